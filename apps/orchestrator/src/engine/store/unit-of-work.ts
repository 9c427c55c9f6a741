import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { EventPublisher } from '@wfp/platform';
import { Transition } from '../core/transition';
import { StageRegistry } from '../core/stage-resolution';
import { recordTransitions } from '../engine-metrics';
import { EngineWakeup } from '../engine-wakeup';
import { STAGE_REGISTRY } from '../stages/stage-registry.token';
import { insertBusWait } from './bus-waits';
import { BusWaitTypes } from './bus-wait-types';
import { insertCancelWaits } from './cancel-waits';
import { insertCollectWaits } from './collect-waits';
import { EngineDb, pgQuery, Queryable } from './engine-db';
import { writeTransitions } from './write-transitions';

/** What a transaction has written so far (for the after-commit step). */
interface Written {
  batch: Transition[];
  inserted: Set<string>[];
  /** Event types this transaction recorded for the bus-wait consumer (bus-wait-types.ts). */
  waitedTypes: string[];
}

/** The event types a batch's waits and matchers name. */
function waitedTypesOf(batch: readonly Transition[]): string[] {
  return batch.flatMap((t) => [
    ...(t.busWait ? [t.busWait.eventType] : []),
    ...t.cancelWaits.map((w) => w.eventType),
    ...t.collectWaits.map((w) => w.eventType),
  ]);
}

/**
 * An open engine transaction: systems `write` their batches of transitions into it; once the
 * transaction commits, the unit of work flushes the outbox, wakes the workers at the earliest due
 * time and records the metrics — once, for everything it wrote.
 */
export class EngineTransaction {
  private readonly written: Written = { batch: [], inserted: [], waitedTypes: [] };

  constructor(
    readonly client: Queryable,
    private readonly unit: UnitOfWork,
  ) {}

  /**
   * Writes a batch's rows, then its bus waits and cancel waits (each under its event type's lock),
   * recording their event types first (the consumer reads those types only). Returns the new
   * instances inserted.
   */
  async write(batch: readonly Transition[]): Promise<Set<string>> {
    if (batch.length === 0) return new Set();
    const inserted = await writeTransitions(this.client, batch);
    this.written.waitedTypes.push(...(await this.unit.busWaitTypes.record(pgQuery(this.client), waitedTypesOf(batch))));
    for (const t of batch) {
      if (t.isNew && !inserted.has(t.instance.id)) continue;
      if (t.cancelWaits.length > 0 && !t.terminated) await insertCancelWaits(pgQuery(this.client), t.instance.id, t.cancelWaits);
      const collecting = t.terminated ? [] : t.collectWaits.filter((w) => !t.collectDone.includes(w.stage));
      if (collecting.length > 0) await insertCollectWaits(pgQuery(this.client), t.instance.id, collecting);
      const wait = t.busWait;
      if (!wait) continue;
      await insertBusWait(pgQuery(this.client), {
        instance_id: t.instance.id, stage: wait.stage, event_type: wait.eventType, condition: wait.condition,
        on_event: wait.onEvent, on_timeout: wait.onTimeout, save_as: wait.saveAs, deadline: wait.deadline,
      });
    }
    this.written.batch.push(...batch);
    this.written.inserted.push(inserted);
    return inserted;
  }

  /**
   * Runs `work` under a savepoint: if it throws, what it wrote is rolled back — and forgotten by
   * the after-commit step (no flush, wake-up or metrics for rows that were never committed).
   */
  async savepoint<R>(work: () => Promise<R>): Promise<R> {
    const marks = { batch: this.written.batch.length, inserted: this.written.inserted.length, waitedTypes: this.written.waitedTypes.length };
    await this.client.query('SAVEPOINT engine_step');
    try {
      const result = await work();
      await this.client.query('RELEASE SAVEPOINT engine_step');
      return result;
    } catch (error) {
      await this.client.query('ROLLBACK TO SAVEPOINT engine_step');
      this.written.batch.length = marks.batch;
      this.written.inserted.length = marks.inserted;
      this.written.waitedTypes.length = marks.waitedTypes;
      throw error;
    }
  }

  /** Call once the transaction committed: flush, wake, metrics. */
  committed(): void {
    this.unit.afterCommit(this.written);
    this.written.batch = [];
    this.written.inserted = [];
    this.written.waitedTypes = [];
  }
}

/**
 * THE way engine state changes are committed: `transaction(work)` runs `work` in one Postgres
 * transaction and, once it commits, does the after-commit step; `commit(batch)` writes one batch
 * on its own (one autocommit statement when it has no bus wait); `join(client)` writes into a
 * transaction someone else owns (the bus-wait consumer's inbox transaction), which calls
 * `committed()` after its commit. No network call happens inside the transaction.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    private readonly db: EngineDb,
    private readonly publisher: EventPublisher,
    private readonly wakeup: EngineWakeup,
    @Inject(STAGE_REGISTRY) private readonly registry: StageRegistry,
    readonly busWaitTypes: BusWaitTypes,
  ) {}

  async transaction<R>(work: (tx: EngineTransaction) => Promise<R>): Promise<R> {
    let tx: EngineTransaction | undefined;
    const result = await this.db.transaction(async (client) => {
      tx = new EngineTransaction(client, this);
      return work(tx);
    });
    tx?.committed();
    return result;
  }

  /** One batch in a transaction of its own; returns the new instances inserted. */
  async commit(batch: readonly Transition[]): Promise<Set<string>> {
    if (batch.length === 0) return new Set();
    if (batch.some((t) => t.busWait || t.cancelWaits.length > 0 || t.collectWaits.length > 0)) return this.transaction((tx) => tx.write(batch));
    // One statement: autocommit (a start is one round trip and one commit).
    const tx = new EngineTransaction(this.db.pool, this);
    const inserted = await tx.write(batch);
    tx.committed();
    return inserted;
  }

  join(client: PoolClient): EngineTransaction {
    return new EngineTransaction(client, this);
  }

  /** @internal the after-commit step of a transaction. */
  afterCommit(written: Written): void {
    this.busWaitTypes.recorded(written.waitedTypes);
    if (written.batch.length === 0) return;
    const inserted = new Set(written.inserted.flatMap((ids) => [...ids]));
    recordTransitions(written.batch, inserted, this.registry);
    this.publisher.flush();
    const live = written.batch.filter((t) => !t.isNew || inserted.has(t.instance.id));
    const due = live.flatMap((t) => (t.timer ? [t.timer.dueAt.getTime()] : []));
    if (due.length > 0) this.wakeup.notify(new Date(Math.min(...due)));
  }
}
