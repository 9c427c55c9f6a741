import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CancelMatcher, fail, isUuid, ok, Reply, StartManyItemResult, WorkflowInstance } from '@wfp/contracts';
import { APP_CONFIG, CLOCK, Clock, isDatabaseUnavailable } from '@wfp/platform';
import { OrchestratorConfig } from '../../config';
import { queueInstance, startInstance } from '../core/commands';
import { StageRegistry } from '../core/stage-resolution';
import { InstanceOrigin, newInstance, Transition } from '../core/transition';
import { STAGE_REGISTRY } from '../stages/stage-registry.token';
import { EngineDb, run, sql } from '../store/engine-db';
import { InstanceRow, toInstance } from '../store/rows';
import { EngineTransaction, UnitOfWork } from '../store/unit-of-work';
import { WorkflowDefinition, WorkflowStages } from '../store/workflow-stages';
import { lockTypesShared } from '../store/bus-waits';
import { lookbackHits, registerLookbacks } from '../store/cancel-waits';
import { BusWaitTypes } from '../store/bus-wait-types';
import { pgQuery } from '../store/engine-db';
import { planCancelWaits } from '../core/cancel-on';

export interface StartItem {
  workflowId: string;
  variables: Record<string, string>;
  idempotencyKey?: string;
  /** The trigger chain depth that started it (events it publishes are one deeper). */
  chainDepth?: number;
  /** Labels to search and select the instance by. */
  metadata?: Record<string, string>;
  /** What started it (a trigger's occurrence, a schedule's tick): its lifecycle events carry it. */
  origin?: InstanceOrigin;
  /** The starting trigger's cancel_on matchers (the workflow's own are added). */
  cancelOn?: readonly CancelMatcher[];
  /** The payload of the event that started it (`event` in cancel_on conditions). */
  triggerEvent?: Record<string, unknown>;
}

/** What a start batch with cancel_on matchers adds: its transaction, each item's matchers and lookback hit. */
interface CancelPlan {
  tx: EngineTransaction;
  matchers: ReadonlyArray<readonly CancelMatcher[]>;
  hits: ReadonlyArray<string | undefined>;
}

/** Items one start statement carries at most (group commit of concurrent starts). */
export const MAX_START_BATCH = 1000;

const SQL = {
  byKeys: sql<InstanceRow>('start.by-keys', `SELECT * FROM orchestrator.instances WHERE idempotency_key = ANY($1::text[])`),
  /** The paused ones among the workflows whose starts the insert refused (a partial index). */
  paused: sql<{ id: string; paused_mode: 'queue' | 'drop' }>(
    'start.paused',
    `SELECT id, paused_mode FROM orchestrator.workflows WHERE paused_mode IS NOT NULL AND id = ANY($1::uuid[])`,
  ),
};

/**
 * Starts instances, many per statement. Each new instance runs inline until its first real wait
 * (noop, an elapsed delay…) and everything it did is written in ONE statement, so a 1-stage
 * `noop` instance is started and finished in one commit. Idempotent per key: `ON CONFLICT
 * (idempotency_key) DO NOTHING`, and an item whose key already exists answers that instance.
 */
@Injectable()
export class StartSystem {
  constructor(
    private readonly db: EngineDb,
    private readonly stages: WorkflowStages,
    private readonly unit: UnitOfWork,
    @Inject(STAGE_REGISTRY) private readonly registry: StageRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) config: OrchestratorConfig,
    private readonly busWaitTypes: BusWaitTypes,
  ) {
    this.pipeline = config.ORCHESTRATOR_START_PIPELINE;
  }

  private readonly pipeline: number;

  async start(item: StartItem): Promise<Reply<WorkflowInstance>> {
    const [result] = await this.startMany([item]);
    return result as Reply<WorkflowInstance>;
  }

  /**
   * One result per item, in order; a NOT_FOUND workflow fails that item only. Group commit:
   * while `ORCHESTRATOR_START_PIPELINE` statements are in flight, concurrent calls queue up and
   * the next statement carries all of them (up to {@link MAX_START_BATCH} items).
   */
  startMany(items: readonly StartItem[]): Promise<StartManyItemResult[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.pump();
    });
  }

  private readonly queue: Array<{ items: readonly StartItem[]; resolve: (r: StartManyItemResult[]) => void; reject: (e: unknown) => void }> = [];
  private inFlight = 0;

  private pump(): void {
    while (this.inFlight < this.pipeline && this.queue.length > 0) {
      const requests = [this.queue.shift()!];
      let size = requests[0].items.length;
      while (this.queue.length > 0 && size + this.queue[0].items.length <= MAX_START_BATCH) {
        const next = this.queue.shift()!;
        size += next.items.length;
        requests.push(next);
      }
      this.inFlight++;
      const items = requests.length === 1 ? requests[0].items : requests.flatMap((request) => request.items);
      this.startBatch(items)
        .then((results) => {
          let offset = 0;
          for (const request of requests) {
            request.resolve(results.slice(offset, offset + request.items.length));
            offset += request.items.length;
          }
        })
        .catch((error: unknown) => requests.forEach((request) => request.reject(error)))
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }

  private async startBatch(items: readonly StartItem[]): Promise<StartManyItemResult[]> {
    const definitions = await this.stages.definitions(this.db.pool, items.filter((i) => isUuid(i.workflowId)).map((i) => i.workflowId));
    const matchers = items.map((item) => [...(definitions.get(item.workflowId)?.cancelOn ?? []), ...(item.cancelOn ?? [])]);
    if (matchers.every((m) => m.length === 0)) return this.startPlanned(items, definitions, this.clock.now());
    await this.registerTriggerLookbacks(items);
    // cancel_on: the starts' transaction holds their event types' shared locks from before `now`
    // is read (so an event handled before is older than the start), reads the lookbacks and
    // records the cancel waits (store/cancel-waits.ts).
    return this.unit.transaction(async (tx) => {
      await lockTypesShared(pgQuery(tx.client), matchers.flat().map((m) => m.event));
      const now = this.clock.now();
      const hits = await lookbackHits(pgQuery(tx.client), items.map((item, i) => ({ matchers: matchers[i], context: { event: item.triggerEvent ?? {}, vars: item.variables } })), now);
      return this.startPlanned(items, definitions, now, { tx, matchers, hits });
    });
  }

  /** Triggers' lookbacks, recorded once per process (the workflow's are recorded at its create). */
  private readonly lookbacksRecorded = new Set<string>();

  private async registerTriggerLookbacks(items: readonly StartItem[]): Promise<void> {
    const unseen = items.flatMap((item) => (item.cancelOn ?? []).filter((m) => m.lookback && !this.lookbacksRecorded.has(`${m.event} ${m.lookback}`)));
    if (unseen.length === 0) return;
    await this.busWaitTypes.recordNow(pgQuery(this.db.pool), unseen.map((m) => m.event));
    await registerLookbacks(pgQuery(this.db.pool), unseen);
    for (const m of unseen) this.lookbacksRecorded.add(`${m.event} ${m.lookback}`);
  }

  private async startPlanned(
    items: readonly StartItem[],
    definitions: ReadonlyMap<string, WorkflowDefinition>,
    now: Date,
    cancel?: CancelPlan,
  ): Promise<StartManyItemResult[]> {
    const db = cancel?.tx.client ?? this.db.pool;
    // Planned as running starts; the insert refuses those of a paused workflow (the check is in the
    // statement: no extra round trip, no race with a pause). Only then are the paused ones read,
    // and the starts of a workflow paused in `queue` mode planned again as queued.
    let paused = new Map<string, 'queue' | 'drop'>();
    const planAll = () => {
      const byKey = new Map<string, Transition>();
      return items.map((item, i): Transition | undefined => {
        const workflowStages = definitions.get(item.workflowId)?.stages;
        const mode = paused.get(item.workflowId);
        if (!workflowStages || mode === 'drop') return undefined;
        const key = item.idempotencyKey;
        if (key !== undefined && byKey.has(key)) return byKey.get(key);
        const plan = this.plan(item, workflowStages, now, mode === 'queue', cancel?.hits[i]);
        const matchers = cancel?.matchers[i] ?? [];
        if (matchers.length > 0 && !plan.terminated) plan.cancelWaits = planCancelWaits(matchers, { event: item.triggerEvent ?? {}, vars: item.variables }, now);
        if (key !== undefined) byKey.set(key, plan);
        return plan;
      });
    };
    let plans = planAll();
    let { inserted, rejected } = await this.write([...new Set(plans.filter((p): p is Transition => p !== undefined))], cancel?.tx);
    const refused = [...new Set(plans.flatMap((plan) => (plan && !inserted.has(plan.instance.id) && !rejected.has(plan.instance.id) ? [plan.instance.workflowId] : [])))];
    if (refused.length > 0) {
      paused = new Map((await run(db, SQL.paused, [refused])).map((row) => [row.id, row.paused_mode] as const));
      if (paused.size > 0) {
        // The paused workflows' items only: queued (queue mode) or none (drop mode).
        const queued = planAll().map((plan) => (plan && paused.has(plan.instance.workflowId) ? plan : undefined));
        const retried = await this.write([...new Set(queued.filter((p): p is Transition => p !== undefined))], cancel?.tx);
        plans = plans.map((plan, i) => (plan && paused.has(plan.instance.workflowId) ? queued[i] : plan));
        inserted = new Set([...inserted, ...retried.inserted]);
        rejected = new Map([...rejected, ...retried.rejected]);
      }
    }

    const results: Array<StartManyItemResult | undefined> = plans.map((plan) =>
      plan && inserted.has(plan.instance.id) ? ok(instanceOf(plan)) : undefined,
    );
    const keys = items.flatMap((item, i) => (results[i] === undefined && item.idempotencyKey !== undefined ? [item.idempotencyKey] : []));
    const existing = new Map<string, InstanceRow>();
    if (keys.length > 0) for (const row of await run(db, SQL.byKeys, [keys])) existing.set(row.idempotency_key!, row);
    return items.map((item, i) => {
      const result = results[i];
      if (result) return result;
      const found = item.idempotencyKey !== undefined ? existing.get(item.idempotencyKey) : undefined;
      if (found) return ok(toInstance(found));
      const refusal = plans[i] ? rejected.get(plans[i]!.instance.id) : undefined;
      if (refusal) return fail('VALIDATION', `starting instance: ${refusal}`);
      if (paused.get(item.workflowId) === 'drop') {
        return fail('CONFLICT', `workflow ${item.workflowId} is paused: starts are dropped until it is resumed`, { reason: 'paused' }); // isPausedRefusal
      }
      return fail('NOT_FOUND', `workflow ${item.workflowId} not found`);
    });
  }

  /** A new instance, run inline until its first real wait — or queued, while its workflow is paused. */
  private plan(item: StartItem, stages: readonly unknown[], now: Date, queued: boolean, canceledBy: string | undefined): Transition {
    const instance = newInstance({
      id: randomUUID(),
      workflowId: item.workflowId,
      stages,
      variables: { ...item.variables },
      createdAt: now,
      idempotencyKey: item.idempotencyKey ?? null,
      chainDepth: item.chainDepth ?? 0,
      metadata: item.metadata ?? {},
      ...(item.origin && (item.origin.triggerId || item.origin.scheduleId || item.origin.eventId) ? { origin: item.origin } : {}),
    });
    if (!queued) return startInstance(instance, now, this.registry, canceledBy);
    if (canceledBy === undefined) return queueInstance(instance, now, this.registry);
    const canceled = startInstance(instance, now, this.registry, canceledBy);
    canceled.queued = true; // a paused workflow accepts it (it ends at once)
    return canceled;
  }

  /**
   * Writes the batch in one statement; if it fails (a value Postgres refuses, e.g. a NUL
   * character in a variable), each item is retried alone so one bad item fails only itself.
   */
  private async write(batch: Transition[], tx?: EngineTransaction): Promise<{ inserted: Set<string>; rejected: Map<string, string> }> {
    const rejected = new Map<string, string>();
    try {
      return { inserted: tx ? await tx.savepoint(() => tx.write(batch)) : await this.unit.commit(batch), rejected };
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error; // the database, not an item: no item-by-item retry
      if (batch.length === 1) {
        if (!isDataError(error)) throw error;
        rejected.set(batch[0].instance.id, (error as Error).message);
        return { inserted: new Set(), rejected };
      }
      const inserted = new Set<string>();
      for (const t of batch) {
        const one = await this.write([t], tx);
        one.inserted.forEach((id) => inserted.add(id));
        one.rejected.forEach((message, id) => rejected.set(id, message));
      }
      return { inserted, rejected };
    }
  }
}

/** SQLSTATE class 22 (data exception) and 54 (program limit): the input, not the system. */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('54'));
}

function instanceOf(t: Transition): WorkflowInstance {
  return {
    id: t.instance.id,
    workflowID: t.instance.workflowId,
    createdAt: t.instance.createdAt.toISOString(),
    updatedAt: t.now.toISOString(),
    terminated: t.terminated,
    ...(t.terminatedAt ? { terminatedAt: t.terminatedAt.toISOString() } : {}),
    ...(t.error ? { error: t.error } : {}),
    ...(t.instance.metadata && Object.keys(t.instance.metadata).length > 0 ? { metadata: t.instance.metadata } : {}),
    ...(t.canceledBy ? { canceledBy: t.canceledBy } : {}),
  };
}
