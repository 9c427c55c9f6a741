import { Inject, Injectable } from '@nestjs/common';
import { fail, isUuid, ok, Reply } from '@wfp/contracts';
import { CLOCK, Clock } from '@wfp/platform';
import { sendEvent } from '../core/commands';
import { StageRegistry } from '../core/stage-resolution';
import { STAGE_REGISTRY } from '../stages/stage-registry.token';
import { InstanceLoader } from '../store/load-instances';
import { UnitOfWork } from '../store/unit-of-work';

/**
 * Waits and events: `sendEvent` completes the current stage when it waits for that name — and
 * runs the instance inline until its next real wait, in the same transaction (where a later
 * `wait_event` consumes an event buffered earlier); otherwise the event is buffered for the
 * instance and consumed by the first later `wait_event` with that name.
 */
@Injectable()
export class WaitsSystem {
  constructor(
    private readonly loader: InstanceLoader,
    private readonly unit: UnitOfWork,
    @Inject(STAGE_REGISTRY) private readonly registry: StageRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async sendEvent(id: string, name: string): Promise<Reply<Record<string, never>>> {
    if (!isUuid(id)) return fail('NOT_FOUND', `instance ${id} not found`);
    return this.unit.transaction(async (tx): Promise<Reply<Record<string, never>>> => {
      const instance = (await this.loader.lockAndLoad(tx.client, [id])).get(id);
      if (!instance) return fail('NOT_FOUND', `instance ${id} not found`);
      const t = sendEvent(instance, name, this.clock.now(), this.registry);
      if (t === 'terminated') return fail('VALIDATION', `instance ${id} is terminated`);
      await tx.write([t]);
      return ok({});
    });
  }
}
