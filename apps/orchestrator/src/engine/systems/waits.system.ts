import { Inject, Injectable } from '@nestjs/common';
import { fail, isUuid, Reply } from '@wfp/contracts';
import { CLOCK, Clock } from '@wfp/platform';
import { sendEvent } from '../core/commands';
import { StageRegistry } from '../core/stage-resolution';
import { STAGE_REGISTRY } from '../stages/stage-registry.token';
import { InstanceLoader } from '../store/load-instances';
import { EngineTransaction, UnitOfWork } from '../store/unit-of-work';
import { applyMany } from './apply-many';

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
    return this.unit.transaction((tx) => this.sendEventIn(tx, id, name));
  }

  /** `sendEvent` inside a transaction the caller owns. */
  async sendEventIn(tx: EngineTransaction, id: string, name: string): Promise<Reply<Record<string, never>>> {
    return (await this.sendEventManyIn(tx, [id], name)).get(id)!;
  }

  /** `sendEvent` to many instances in a transaction the caller owns (a bulk job's chunk): one load, one write. */
  async sendEventManyIn(tx: EngineTransaction, ids: readonly string[], name: string): Promise<Map<string, Reply<Record<string, never>>>> {
    const now = this.clock.now();
    return applyMany(tx, this.loader, ids, (instance) => {
      const t = sendEvent(instance, name, now, this.registry);
      return t === 'terminated' ? { code: 'VALIDATION', message: `instance ${instance.id} is terminated` } : t;
    });
  }
}
