import { Inject, Injectable } from '@nestjs/common';
import { fail, ok, Reply } from '@wfp/contracts';
import { CLOCK, Clock, EventPublisher } from '@wfp/platform';
import { advance } from '../advance';
import { EngineDb, run, sql } from '../db/engine-db';
import { writeTransitions } from '../db/write-transitions';
import { isUuid } from '../rows';
import { Transition } from '../transition';
import { EngineWakeup } from '../engine-wakeup';
import { WorkflowsSystem } from './workflows.system';

const SQL = {
  /** The instance, locked: serialises with the worker and abort. */
  lock: sql<{
    workflow_id: string;
    variables: Record<string, string>;
    created_at: Date;
    terminated: boolean;
    chain_depth: number;
  }>(
    'waits.lock',
    `SELECT i.workflow_id, i.variables, i.created_at, i.terminated, i.chain_depth
       FROM orchestrator.instances i
      WHERE i.id = $1
        FOR UPDATE OF i`,
  ),
  /**
   * What the current stage waits for, read in its own statement once the lock is held: a
   * statement's snapshot is taken before it waits for a lock, so a wait created by the transaction
   * that held the lock would be invisible to a join in the locking statement (the event would be
   * buffered and the instance would wait for it forever).
   */
  wait: sql<{ stage: number; event: string }>('waits.current', `SELECT stage, event FROM orchestrator.waits WHERE instance_id = $1`),
  buffer: sql(
    'waits.buffer',
    `INSERT INTO orchestrator.buffered_events (instance_id, name, received_at) VALUES ($1, $2, $3)`,
  ),
};

/**
 * Waits and events: `sendEvent` completes the current stage when it waits for that name — and
 * runs the instance inline until its next real wait, in the same transaction; otherwise the event
 * is buffered for the instance and consumed by the first later `wait_event` with that name.
 */
@Injectable()
export class WaitsSystem {
  constructor(
    private readonly db: EngineDb,
    private readonly workflows: WorkflowsSystem,
    private readonly publisher: EventPublisher,
    private readonly wakeup: EngineWakeup,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async sendEvent(id: string, name: string): Promise<Reply<Record<string, never>>> {
    if (!isUuid(id)) return fail('NOT_FOUND', `instance ${id} not found`);
    let completed: Transition | undefined;
    const reply = await this.db.transaction(async (client): Promise<Reply<Record<string, never>>> => {
      const [instance] = await run(client, SQL.lock, [id]);
      if (!instance) return fail('NOT_FOUND', `instance ${id} not found`);
      if (instance.terminated) return fail('VALIDATION', `instance ${id} is terminated`);
      const [wait] = await run(client, SQL.wait, [id]);
      const row = { ...instance, stage: wait?.stage ?? null, event: wait?.event ?? null };
      const now = this.clock.now();
      if (row.stage === null || row.event !== name) {
        await run(client, SQL.buffer, [id, name, now]);
        return ok({});
      }
      const stages = await this.workflows.stagesOf(client, [row.workflow_id]);
      const t = new Transition(
        { id, workflowId: row.workflow_id, stages: stages.get(row.workflow_id) ?? [], variables: row.variables, createdAt: row.created_at, buffered: [], chainDepth: row.chain_depth },
        now,
        false,
      );
      t.deleteWait = true;
      advance(t, { action: 'complete', stage: row.stage });
      await writeTransitions(client, [t]);
      completed = t;
      return ok({});
    });
    if (completed) {
      this.publisher.flush();
      if (completed.timer) this.wakeup.notify(completed.timer.dueAt);
    }
    return reply;
  }
}
