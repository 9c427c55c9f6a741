import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';
import { EventEnvelope } from '@wfp/contracts';
import { CLOCK, Clock } from '@wfp/platform';
import { busEventMatched, cancelByEvent, eventsCollected } from '../core/commands';
import { StageRegistry } from '../core/stage-resolution';
import { STAGE_REGISTRY } from '../stages/stage-registry.token';
import { MatchedWait } from '../store/bus-waits';
import { InstanceLoader } from '../store/load-instances';
import { UnitOfWork } from '../store/unit-of-work';

/**
 * Bus waits: cancels the instances whose `cancel_on` matched, completes the `wait_for_event`
 * stages whose event the bus-wait consumer matched (and claimed) and the `wait_for_events` stages
 * whose collected events are now enough, in the consumer's inbox transaction — `on_event: continue` goes on inline (the
 * payload saved under `save_as`), `succeed` ends the instance successfully; the deadline's timer
 * goes with the stage.
 */
@Injectable()
export class BusWaitsSystem {
  constructor(
    private readonly loader: InstanceLoader,
    private readonly unit: UnitOfWork,
    @Inject(STAGE_REGISTRY) private readonly registry: StageRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Writes into the consumer's transaction; call the answer once that transaction committed. */
  async completeBusWaits(
    manager: EntityManager,
    { matched, canceled, collected }: { matched: readonly MatchedWait[]; canceled: readonly string[]; collected: ReadonlyArray<{ instanceId: string; stage: number }> },
    envelope: EventEnvelope,
  ): Promise<() => void> {
    // The consumer's transaction runs on TypeORM's pg connection: the engine writes through it.
    const client = (manager.queryRunner as unknown as { databaseConnection: PoolClient }).databaseConnection;
    const tx = this.unit.join(client);
    // The matcher locked each instance before claiming its wait.
    // An instance both matched (wait_for_event) and collecting is completed by its wait only.
    const waiting = new Set(matched.map((m) => m.wait.instance_id));
    const collecting = collected.filter((c) => !waiting.has(c.instanceId));
    const instances = await this.loader.loadLocked(client, [...new Set([...canceled, ...waiting, ...collecting.map((c) => c.instanceId)])]);
    const now = this.clock.now();
    const cancels = canceled.flatMap((id) => {
      const instance = instances.get(id);
      const t = instance && cancelByEvent(instance, envelope.id, now, this.registry);
      return t && t !== 'terminated' ? [t] : [];
    });
    const completed = matched.flatMap(({ wait }) => {
      const instance = instances.get(wait.instance_id);
      const t = instance && busEventMatched(instance, { stage: wait.stage, onEvent: wait.on_event }, envelope.payload, now, this.registry);
      return t ? [t] : [];
    });
    const gathered = [...new Set(collecting.map((c) => c.instanceId))].flatMap((id) => {
      const instance = instances.get(id);
      // At most one stage of an instance waits at a time: the first that completes is the one.
      for (const { stage } of collecting.filter((c) => c.instanceId === id)) {
        const t = instance && eventsCollected(instance, stage, now, this.registry);
        if (t) return [t];
      }
      return [];
    });
    const batch = [...cancels, ...completed, ...gathered];
    await tx.write(batch);
    return () => tx.committed();
  }
}
