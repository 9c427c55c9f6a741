import { Inject, Injectable } from '@nestjs/common';
import { fail, isUuid, ok, Reply } from '@wfp/contracts';
import { CLOCK, Clock } from '@wfp/platform';
import { abortInstance } from '../core/commands';
import { StageRegistry } from '../core/stage-resolution';
import { STAGE_REGISTRY } from '../stages/stage-registry.token';
import { InstanceLoader } from '../store/load-instances';
import { UnitOfWork } from '../store/unit-of-work';
import { ActSystem } from './act.system';

/**
 * Abort: a running instance and its open stage end with error "canceled", in one transaction
 * that also deletes its pending timer (a sleep, a retry, a lease), its waits and its buffered
 * events. Aborting a terminated instance is a VALIDATION error. A call in flight is aborted.
 */
@Injectable()
export class AbortSystem {
  constructor(
    private readonly loader: InstanceLoader,
    private readonly unit: UnitOfWork,
    private readonly acts: ActSystem,
    @Inject(STAGE_REGISTRY) private readonly registry: StageRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async abort(id: string): Promise<Reply<Record<string, never>>> {
    if (!isUuid(id)) return fail('NOT_FOUND', `instance ${id} not found`);
    const reply = await this.unit.transaction(async (tx): Promise<Reply<Record<string, never>>> => {
      const instance = (await this.loader.lockAndLoad(tx.client, [id])).get(id);
      if (!instance) return fail('NOT_FOUND', `instance ${id} not found`);
      const t = abortInstance(instance, this.clock.now(), this.registry);
      if (t === 'terminated') return fail('VALIDATION', `instance ${id} is already terminated`);
      await tx.write([t]);
      return ok({});
    });
    if (reply.ok) this.acts.cancel(id); // its result is only recorded in history
    return reply;
  }
}
