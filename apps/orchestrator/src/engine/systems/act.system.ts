import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { APP_CONFIG, CLOCK, Clock } from '@wfp/platform';
import type { OrchestratorConfig } from '../../config';
import { actEnded } from '../core/commands';
import { ActResult, RetryPolicy, StageActor, StageDefinition } from '../core/stage-kind';
import { StageRegistry } from '../core/stage-resolution';
import { EngineWakeup } from '../engine-wakeup';
import { DEFAULT_CALL_TIMEOUT_MS } from '../stages/acting';
import { DEFAULT_RETRY } from '../stages/shared/retry-policy';
import { STAGE_ACTORS, STAGE_REGISTRY } from '../stages/stage-registry.token';
import { EngineDb, run, sql } from '../store/engine-db';
import { InstanceLoader } from '../store/load-instances';
import { UnitOfWork } from '../store/unit-of-work';

interface Leased {
  instanceId: string;
  stage: number;
  attempt: number;
  kind: string;
  input: Record<string, unknown>;
  leaseId: string;
  activityId: string;
}

const SQL = {
  /** Due attempts, locked; replicas skip each other's. */
  due: sql<{ instance_id: string; stage: number; attempt: number; kind: string; input: Record<string, unknown> | null }>(
    'act.due',
    `SELECT t.instance_id, t.stage, t.attempt, r.kind, r.input
       FROM orchestrator.timers t
       JOIN orchestrator.stage_runs r ON r.instance_id = t.instance_id AND r.stage = t.stage
      WHERE t.action = 'act' AND t.due_at <= $1
      ORDER BY t.due_at
      LIMIT $2
        FOR UPDATE OF t SKIP LOCKED`,
  ),
  /** The lease: the timer moves to the lease's end (a crash mid-call re-runs the attempt then). */
  lease: sql('act.lease', `UPDATE orchestrator.timers SET due_at = $2, lease_id = $3 WHERE instance_id = $1`),
  /** An attempt's history row: re-used when the same attempt is re-run after a crash. */
  openAttempt: sql<{ id: string }>(
    'act.open-attempt',
    `SELECT id::text FROM orchestrator.activity_log
      WHERE instance_id = $1 AND stage = $2 AND attempt = $3 AND NOT terminated ORDER BY id DESC LIMIT 1`,
  ),
  restartAttempt: sql('act.restart-attempt', `UPDATE orchestrator.activity_log SET started_at = $2 WHERE id = $1`),
  newAttempt: sql<{ id: string }>(
    'act.new-attempt',
    `INSERT INTO orchestrator.activity_log (instance_id, stage, name, input, started_at, attempt, last_failure)
     VALUES ($1, $2, $3, $4, $5, $6,
             (SELECT a.error FROM orchestrator.activity_log a
               WHERE a.instance_id = $1 AND a.stage = $2 AND a.attempt = $6 - 1 ORDER BY a.id DESC LIMIT 1))
     RETURNING id::text`,
  ),
  runAttempts: sql('act.run-attempts', `UPDATE orchestrator.stage_runs SET attempts = $3 WHERE instance_id = $1 AND stage = $2`),
  /** The timer, locked, if the lease is still ours (after the instance's lock: the loader's). */
  lockLease: sql<{ attempt: number }>(
    'act.lock-lease',
    `SELECT attempt FROM orchestrator.timers WHERE instance_id = $1 AND action = 'act' AND lease_id = $2 FOR UPDATE`,
  ),
  endAttempt: sql(
    'act.end-attempt',
    `UPDATE orchestrator.activity_log SET terminated = true, terminated_at = $2, output = $3, error = $4, next_execution = $5 WHERE id = $1`,
  ),
  release: sql('act.release', `UPDATE orchestrator.timers SET due_at = $3, lease_id = NULL WHERE instance_id = $1 AND lease_id = $2`),
  nextDue: sql<{ due_at: Date | null }>('act.next-due', `SELECT min(due_at) AS due_at FROM orchestrator.timers WHERE action = 'act'`),
};

/** Extra lease time beyond the call's own timeout. */
const LEASE_MARGIN_MS = 30_000;

class Shutdown extends Error {
  override readonly name = 'Shutdown';
}

/**
 * The act system: runs acting stages' attempts (`act` timers), each in three steps —
 * 1. lease (one transaction): the due timer moves to the lease's end and gets a lease id; the
 *    attempt's stage-history row is written (started, `lastFailure` = the previous attempt's error);
 * 2. `kind.act(...)` **outside any transaction**, with the stage run's idempotency key
 *    (`<instance id>-<stage>`, the same for every attempt);
 * 3. record (one transaction, if the lease is still ours — an abort deleted the timer): the
 *    history row gets its output or error; success completes the stage (its output saved under
 *    `save_as`) and runs the instance inline; a retryable failure with attempts left moves the
 *    timer to the back-off (`nextExecution`), a durable row that survives a crash; otherwise the
 *    stage fails.
 * A crash during the call leaves the lease to expire: the attempt is re-run with the same key.
 * On shutdown, calls in flight are aborted and their leases released (re-run at once on restart).
 */
@Injectable()
export class ActSystem implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly inFlight = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly db: EngineDb,
    private readonly loader: InstanceLoader,
    private readonly unit: UnitOfWork,
    private readonly wakeup: EngineWakeup,
    private readonly logger: PinoLogger,
    @Inject(STAGE_REGISTRY) private readonly registry: StageRegistry,
    @Inject(STAGE_ACTORS) private readonly actors: ReadonlyMap<string, StageActor>,
    @Inject(APP_CONFIG) private readonly config: OrchestratorConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.ORCHESTRATOR_WORKER_CONCURRENCY === 0) return;
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wakeup.wake();
    await this.loop;
    for (const call of this.inFlight.values()) call.controller.abort(new Shutdown('orchestrator shutting down'));
    await Promise.allSettled([...this.inFlight.values()].map((call) => call.done));
  }

  /** Aborts the call in flight of an instance that was just aborted (its result is ignored anyway). */
  cancel(instanceId: string): void {
    this.inFlight.get(instanceId)?.controller.abort(new Error('canceled'));
  }

  private async run(): Promise<void> {
    const poll = this.config.ORCHESTRATOR_POLL_INTERVAL_MS;
    let failures = 0;
    while (this.running) {
      let delay = poll;
      try {
        const capacity = this.config.ORCHESTRATOR_ACT_CONCURRENCY - this.inFlight.size;
        if (capacity > 0) {
          const leased = await this.lease(capacity);
          for (const item of leased) this.launch(item);
          if (leased.length === capacity) continue;
        }
        const [row] = await run(this.db.pool, SQL.nextDue, []);
        if (row?.due_at) delay = Math.max(0, Math.min(poll, row.due_at.getTime() - this.clock.now().getTime()));
        failures = 0;
      } catch (error) {
        failures++;
        if (failures === 1 || failures % 20 === 0) this.logger.error({ err: error, failures }, 'act system step failed; retrying');
        delay = poll * Math.min(20, 2 ** failures);
      }
      if (!this.running) break;
      if (delay > 0) await this.wakeup.wait(delay);
    }
  }

  /** The acting definition of a kind (history name, retry policy, call timeout). */
  private actingOf(name: string): StageDefinition['acting'] {
    return this.registry.get(name)?.acting;
  }

  /** Step 1: lease up to `limit` due attempts and write their history rows. */
  private async lease(limit: number): Promise<Leased[]> {
    const now = this.clock.now();
    return this.db.transaction(async (client) => {
      const rows = await run(client, SQL.due, [now, limit]);
      const leased: Leased[] = [];
      for (const row of rows) {
        const input = row.input ?? {};
        const acting = this.actingOf(row.kind);
        const activity = acting ? acting.activity(input) : { name: row.kind, request: input };
        const leaseId = randomUUID();
        const callMs = acting ? acting.callTimeoutMs(input) : DEFAULT_CALL_TIMEOUT_MS;
        await run(client, SQL.lease, [row.instance_id, new Date(now.getTime() + callMs + LEASE_MARGIN_MS), leaseId]);
        const [open] = await run(client, SQL.openAttempt, [row.instance_id, row.stage, row.attempt]);
        let activityId: string;
        if (open) {
          activityId = open.id;
          await run(client, SQL.restartAttempt, [activityId, now]);
        } else {
          const [inserted] = await run(client, SQL.newAttempt, [
            row.instance_id, row.stage, activity.name, JSON.stringify({ [activity.name]: activity.request }), now, row.attempt,
          ]);
          activityId = inserted.id;
        }
        await run(client, SQL.runAttempts, [row.instance_id, row.stage, row.attempt]);
        leased.push({ instanceId: row.instance_id, stage: row.stage, attempt: row.attempt, kind: row.kind, input, leaseId, activityId });
      }
      return leased;
    });
  }

  private launch(item: Leased): void {
    const controller = new AbortController();
    const done = this.perform(item, controller.signal)
      .catch((error) => this.logger.error({ err: error, instanceId: item.instanceId, stage: item.stage }, 'acting attempt could not be recorded; its lease will expire'))
      .finally(() => this.inFlight.delete(item.instanceId));
    this.inFlight.set(item.instanceId, { controller, done });
  }

  /** Step 2 (the call, outside any transaction) and step 3 (record it). */
  private async perform(item: Leased, signal: AbortSignal): Promise<void> {
    const actor = this.actors.get(item.kind);
    let result: ActResult;
    if (!actor) result = { type: 'fatal', error: `${item.kind}: this stage kind cannot act` };
    else {
      try {
        result = await actor.act(item.input, {
          instanceId: item.instanceId,
          stage: item.stage,
          attempt: item.attempt,
          idempotencyKey: `${item.instanceId}-${item.stage}`,
          now: this.clock.now(),
          signal,
        });
      } catch (error) {
        result = { type: 'retryable', error: `${item.kind}: ${(error as Error).message}` };
      }
    }
    if (signal.reason instanceof Shutdown) {
      await run(this.db.pool, SQL.release, [item.instanceId, item.leaseId, this.clock.now()]);
      return;
    }
    await this.record(item, result);
  }

  /** Step 3: the attempt's history row, then the core decides (complete, retry later, fail). */
  private async record(item: Leased, result: ActResult): Promise<void> {
    const acting = this.actingOf(item.kind);
    const now = this.clock.now();
    await this.unit.transaction(async (tx) => {
      const instance = (await this.loader.lockAndLoad(tx.client, [item.instanceId])).get(item.instanceId);
      const [lease] = instance?.status === 'running' ? await run(tx.client, SQL.lockLease, [item.instanceId, item.leaseId]) : [];
      const output = result.type === 'succeeded' ? JSON.stringify({ [acting ? acting.activity(item.input).name : item.kind]: result.output ?? {} }) : null;
      const error = result.type === 'succeeded' ? null : result.error;
      if (!instance || !lease) {
        // Aborted (or the lease expired and another worker re-ran the attempt): history only.
        await run(tx.client, SQL.endAttempt, [item.activityId, now, output, error, null]);
        return;
      }
      const attempt = { stage: item.stage, attempt: item.attempt, policy: retryPolicyOf(acting, item.input) };
      const { transition, retryAt } = actEnded(instance, attempt, result, now, this.registry);
      await run(tx.client, SQL.endAttempt, [item.activityId, now, output, error, retryAt ?? null]);
      await tx.write([transition]);
    });
  }
}

/** An acting stage's retry policy, as its definition reads it from the resolved input. */
function retryPolicyOf(acting: StageDefinition['acting'], input: Record<string, unknown>): RetryPolicy {
  try {
    return acting ? acting.retryPolicy(input) : DEFAULT_RETRY;
  } catch {
    return DEFAULT_RETRY;
  }
}
