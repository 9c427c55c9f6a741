import { Inject, Injectable } from '@nestjs/common';
import { fail, isUuid, Reply } from '@wfp/contracts';
import { CLOCK, Clock } from '@wfp/platform';
import { redriveInstance } from '../core/commands';
import { StageRegistry } from '../core/stage-resolution';
import { STAGE_REGISTRY } from '../stages/stage-registry.token';
import { run, sql } from '../store/engine-db';
import { InstanceLoader } from '../store/load-instances';
import { EngineTransaction, UnitOfWork } from '../store/unit-of-work';
import { applyMany } from './apply-many';

const SQL = {
  /** Where a failed instance failed: its failed stage run, else the stage after its last run. */
  failedAt: sql<{ id: string; failed: number | null; next: number }>(
    'redrive.failed-at',
    `SELECT u.id,
            (SELECT r.stage FROM orchestrator.stage_runs r WHERE r.instance_id = u.id AND r.status = 'failed' ORDER BY r.stage DESC LIMIT 1) AS failed,
            coalesce((SELECT max(r.stage) + 1 FROM orchestrator.stage_runs r WHERE r.instance_id = u.id), 0) AS next
       FROM unnest($1::uuid[]) AS u(id)`,
  ),
};

/**
 * Redrive (our extension; Step Functions' redrive): a failed instance runs again from its failed
 * stage, in one transaction — the same instance id, its succeeded stages not re-run, its
 * variables kept; the failed stage run counts the redrive and keeps the error it had. Anything but
 * a failed instance is a VALIDATION error.
 */
@Injectable()
export class RedriveSystem {
  constructor(
    private readonly loader: InstanceLoader,
    private readonly unit: UnitOfWork,
    @Inject(STAGE_REGISTRY) private readonly registry: StageRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async redrive(id: string): Promise<Reply<Record<string, never>>> {
    if (!isUuid(id)) return fail('NOT_FOUND', `instance ${id} not found`);
    return this.unit.transaction((tx) => this.redriveIn(tx, id));
  }

  /** Redrive inside a transaction the caller owns. */
  async redriveIn(tx: EngineTransaction, id: string): Promise<Reply<Record<string, never>>> {
    return (await this.redriveManyIn(tx, [id])).get(id)!;
  }

  /** Redrives many instances in a transaction the caller owns (a bulk job's chunk): one load, one write. */
  async redriveManyIn(tx: EngineTransaction, ids: readonly string[]): Promise<Map<string, Reply<Record<string, never>>>> {
    const failedAt = new Map<string, { failed: number | null; next: number }>();
    const now = this.clock.now();
    return applyMany(
      tx,
      this.loader,
      ids,
      (instance) => {
        const at = failedAt.get(instance.id)!;
        const from = at.failed !== null ? { stage: at.failed, failedRun: true } : { stage: at.next, failedRun: false };
        const t = redriveInstance(instance, from, now, this.registry);
        return t === 'not_failed' ? { code: 'VALIDATION', message: `instance ${instance.id} is ${instance.status}: only a failed instance can be redriven` } : t;
      },
      async (locked) => {
        for (const row of await run(tx.client, SQL.failedAt, [locked])) failedAt.set(row.id, row);
      },
    );
  }
}
