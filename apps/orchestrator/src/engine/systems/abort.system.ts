import { Inject, Injectable } from '@nestjs/common';
import { fail, ok, Reply } from '@wfp/contracts';
import { CLOCK, Clock, EventPublisher } from '@wfp/platform';
import { finish } from '../advance';
import { EngineDb, run, sql } from '../db/engine-db';
import { writeTransitions } from '../db/write-transitions';
import { isUuid } from '../rows';
import { CANCELED } from '../statuses';
import { Transition } from '../transition';
import { ActSystem } from './act.system';

const SQL = {
  /** The instance, locked, with its unfinished stage runs. */
  lock: sql<{ workflow_id: string; variables: Record<string, string>; created_at: Date; terminated: boolean; running: number[] }>(
    'abort.lock',
    `SELECT i.workflow_id, i.variables, i.created_at, i.terminated,
            ARRAY(SELECT r.stage FROM orchestrator.stage_runs r
                   WHERE r.instance_id = i.id AND r.terminated_at IS NULL ORDER BY r.stage) AS running
       FROM orchestrator.instances i
      WHERE i.id = $1
        FOR UPDATE OF i`,
  ),
};

/**
 * Abort: a running instance and its current stage end with error "canceled", in one
 * transaction that also deletes its pending timer (a sleep, a retry, a lease), its wait and its
 * buffered events. Aborting a terminated instance is a VALIDATION error.
 */
@Injectable()
export class AbortSystem {
  constructor(
    private readonly db: EngineDb,
    private readonly publisher: EventPublisher,
    private readonly acts: ActSystem,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async abort(id: string): Promise<Reply<Record<string, never>>> {
    if (!isUuid(id)) return fail('NOT_FOUND', `instance ${id} not found`);
    const reply = await this.db.transaction(async (client): Promise<Reply<Record<string, never>>> => {
      const [row] = await run(client, SQL.lock, [id]);
      if (!row) return fail('NOT_FOUND', `instance ${id} not found`);
      if (row.terminated) return fail('VALIDATION', `instance ${id} is already terminated`);
      const t = new Transition(
        { id, workflowId: row.workflow_id, stages: [], variables: row.variables, createdAt: row.created_at, buffered: [] },
        this.clock.now(),
        false,
      );
      t.deleteWait = true;
      for (const stage of row.running) {
        const run = t.existingRun(stage, 'canceled');
        Object.assign(run, { status: 'canceled', terminatedAt: t.now, error: CANCELED });
        t.emit('FAILED_WORKFLOW_STAGE', { id: row.workflow_id, instanceID: id, number: stage, error: CANCELED });
      }
      finish(t, CANCELED);
      await writeTransitions(client, [t]);
      return ok({});
    });
    if (reply.ok) {
      this.publisher.flush();
      this.acts.cancel(id); // a call in flight is aborted; its result is only recorded in history
    }
    return reply;
  }
}
