import { Inject, Injectable } from '@nestjs/common';
import { fail, isUuid, ok, Reply } from '@wfp/contracts';
import { CLOCK, Clock } from '@wfp/platform';
import { sendEvent } from '../core/commands';
import { StageRegistry } from '../core/stage-resolution';
import { STAGE_REGISTRY } from '../stages/stage-registry.token';
import { InstanceLoader } from '../store/load-instances';
import { EngineTransaction, UnitOfWork } from '../store/unit-of-work';

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
    const instances = await this.loader.lockAndLoad(tx.client, ids);
    const now = this.clock.now();
    const replies = new Map<string, Reply<Record<string, never>>>();
    const batch = [];
    for (const id of ids) {
      const instance = instances.get(id);
      const t = instance ? sendEvent(instance, name, now, this.registry) : undefined;
      if (!t) replies.set(id, fail('NOT_FOUND', `instance ${id} not found`));
      else if (t === 'terminated') replies.set(id, fail('VALIDATION', `instance ${id} is terminated`));
      else {
        batch.push(t);
        replies.set(id, ok({}));
      }
    }
    await tx.write(batch);
    return replies;
  }
}
