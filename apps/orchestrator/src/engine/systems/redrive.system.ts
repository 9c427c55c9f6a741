import { Inject, Injectable } from '@nestjs/common';
import { fail, isUuid, ok, Reply } from '@wfp/contracts';
import { CLOCK, Clock } from '@wfp/platform';
import { redriveInstance } from '../core/commands';
import { StageRegistry } from '../core/stage-resolution';
import { STAGE_REGISTRY } from '../stages/stage-registry.token';
import { run, sql } from '../store/engine-db';
import { InstanceLoader } from '../store/load-instances';
import { UnitOfWork } from '../store/unit-of-work';

const SQL = {
  /** Where a failed instance failed: its failed stage run, else the stage after its last run. */
  failedAt: sql<{ failed: number | null; next: number }>(
    'redrive.failed-at',
    `SELECT (SELECT r.stage FROM orchestrator.stage_runs r WHERE r.instance_id = $1 AND r.status = 'failed' ORDER BY r.stage DESC LIMIT 1) AS failed,
            coalesce((SELECT max(r.stage) + 1 FROM orchestrator.stage_runs r WHERE r.instance_id = $1), 0) AS next`,
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
    return this.unit.transaction(async (tx): Promise<Reply<Record<string, never>>> => {
      const instance = (await this.loader.lockAndLoad(tx.client, [id])).get(id);
      if (!instance) return fail('NOT_FOUND', `instance ${id} not found`);
      const [at] = await run(tx.client, SQL.failedAt, [id]);
      const from = at.failed !== null ? { stage: at.failed, failedRun: true } : { stage: at.next, failedRun: false };
      const t = redriveInstance(instance, from, this.clock.now(), this.registry);
      if (t === 'not_failed') return fail('VALIDATION', `instance ${id} is ${instance.status}: only a failed instance can be redriven`);
      await tx.write([t]);
      return ok({});
    });
  }
}
