import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PinoLogger } from 'nestjs-pino';
import { FAILED_TRIGGER, SUCCEEDED_TRIGGER, TriggerPolicy } from '@wfp/contracts';
import { Clock, CLOCK, metrics, NewEvent, EventPublisher } from '@wfp/platform';
import { OrchestratorClient } from '../orchestrator/orchestrator-client';
import { decisionEvent, lifecycleEvent, startKey } from '../matching/trigger-events';
import { admit, QueuedStart, slotKey } from './fair-admission';
import { throttleParams } from './gcra';
import { durationMs } from './policy-keys';
import { cancelOldest, skipWaiting } from './on-full';
import {
  admissionCandidates,
  lockTrigger,
  QueuedStartRow,
  recordStartedSlots,
  returning,
  saveThrottleBuckets,
  slotsHeld,
  startingStarts,
  takeSlots,
  throttleBuckets,
  triggersWithDueStarts,
} from './flow-store';

/** Queued starts of one fairness key read per admission round (every key gets a turn). */
const PER_KEY = 100;
/** How often due wake-ups are looked at (real time; the due times come from the CLOCK). */
const TICK_MS = 100;
/** How often every trigger with due starts is swept (other replicas' work, crash leftovers). */
const SWEEP_MS = 2000;
const RETRY_MS = 1000;
/** Sweeps between two prunings of expired state (about a minute). */
const PRUNE_EVERY = 30;

/**
 * Admission of queued starts (flow control): for one trigger at a time, under its advisory lock,
 * a round picks the queued starts that may start now (fair-admission.ts: round robin across
 * keys, every concurrency limit, throttle), marks them `starting` with their slots and records
 * why the others wait (an occurrence `queued` with its reason, once per reason, on the bus
 * too). After commit, one start-many starts them (idempotency key `trigger:<id>:<event>`), and
 * one transaction records each instance on its occurrence (`started`, SUCCEEDED_TRIGGER) and its
 * slots. A crash in between leaves rows `starting`: the next sweep (any replica) starts them
 * again and gets the same instances. Runs when kicked (new queued starts, freed slots), when a
 * throttle or debounce time comes, and every {@link SWEEP_MS}.
 */
@Injectable()
export class AdmissionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly wakeAt = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private tick?: NodeJS.Timeout;
  private sweep?: NodeJS.Timeout;
  private stopped = false;
  private sweeps = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly orchestrator: OrchestratorClient,
    private readonly publisher: EventPublisher,
    private readonly logger: PinoLogger,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.logger.setContext('flow-admission');
  }

  onApplicationBootstrap(): void {
    this.tick = setInterval(() => this.runDue(), TICK_MS);
    this.sweep = setInterval(() => void this.sweepAll(), SWEEP_MS);
    void this.sweepAll();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.tick);
    clearInterval(this.sweep);
    await Promise.allSettled([...this.running.values()]);
  }

  /** Runs admission for these triggers soon (after their new queued starts or freed slots committed). */
  kick(triggerIds: Iterable<string>): void {
    for (const id of triggerIds) void this.admitSoon(id);
  }

  /** Every trigger with due work, now (awaitable: tests and recovery). */
  async sweepAll(): Promise<void> {
    if (this.stopped) return;
    try {
      const ids = await triggersWithDueStarts(this.dataSource, this.clock.now());
      await Promise.all(ids.map((id) => this.admitSoon(id)));
      if (this.sweeps++ % PRUNE_EVERY === 0) await this.prune();
    } catch (error) {
      if (!this.stopped) this.logger.warn({ err: error }, 'flow-control sweep failed');
    }
  }

  /** Drops state that no longer decides anything: expired keys, buckets back to empty, old ends. */
  private async prune(): Promise<void> {
    const now = this.clock.now();
    await this.dataSource.query(`DELETE FROM triggers.flow_idempotency WHERE expires_at <= $1`, [now]);
    await this.dataSource.query(`DELETE FROM triggers.flow_buckets WHERE tat <= $1`, [now]);
    await this.dataSource.query(`DELETE FROM triggers.flow_ended WHERE ended_at < $1`, [new Date(now.getTime() - 86_400_000)]);
  }

  private runDue(): void {
    const now = this.clock.now().getTime();
    for (const [id, at] of this.wakeAt) if (at <= now) void this.admitSoon(id);
  }

  /** One admission at a time per trigger in this process; a kick meanwhile runs it once more. */
  private admitSoon(triggerId: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const current = this.running.get(triggerId);
    if (current) {
      this.again.add(triggerId);
      return current;
    }
    this.wakeAt.delete(triggerId);
    const run = this.admitTrigger(triggerId)
      .catch((error) => {
        if (this.stopped) return;
        this.logger.warn({ triggerId, err: error }, 'flow-control admission failed: retried');
        this.wakeLater(triggerId, this.clock.now().getTime() + RETRY_MS);
      })
      .finally(() => {
        this.running.delete(triggerId);
        if (this.again.delete(triggerId)) void this.admitSoon(triggerId);
      });
    this.running.set(triggerId, run);
    return run;
  }

  private wakeLater(triggerId: string, at: number | undefined): void {
    if (at === undefined || !Number.isFinite(at)) return;
    this.wakeAt.set(triggerId, Math.min(this.wakeAt.get(triggerId) ?? Infinity, at));
  }

  private async admitTrigger(triggerId: string): Promise<void> {
    const now = this.clock.now();
    const wake = await this.dataSource.transaction((m) => this.admissionRound(m, triggerId, now));
    this.publisher.flush();
    this.wakeLater(triggerId, wake);
    await this.startAdmitted(triggerId);
  }

  /** One round under the trigger's lock; returns when to look again (throttle, debounce). */
  private async admissionRound(m: EntityManager, triggerId: string, now: Date): Promise<number | undefined> {
    await lockTrigger(m, triggerId);
    const [trigger]: Array<{ policy: TriggerPolicy | null }> = await m.query(`SELECT policy FROM triggers.triggers WHERE id = $1`, [triggerId]);
    const policy = trigger?.policy ?? {};
    const [{ next }]: Array<{ next: Date | null }> = await m.query(
      `SELECT min(not_before) AS next FROM triggers.flow_queue WHERE trigger_id = $1 AND state = 'queued' AND not_before > $2`,
      [triggerId, now],
    );
    let wake = next ? new Date(next).getTime() : undefined;
    const rows = await admissionCandidates(m, triggerId, now, PER_KEY);
    if (rows.length === 0) return wake;
    // `hold: active` counts only the slots whose instance is in an acting stage.
    const running = new Map(
      (await slotsHeld(m, triggerId)).map((s) => [slotKey(s.rule, s.key), policy.concurrency?.[s.rule]?.hold === 'active' ? s.active : s.held]),
    );
    const throttle = new Map((await throttleBuckets(m, triggerId)).map((b) => [b.key, new Date(b.tat).getTime()]));
    const byId = new Map<string, QueuedStartRow>(rows.map((r) => [r.id, r]));
    const events: Array<NewEvent<Record<string, unknown>>> = [];
    await cancelOldest(m, triggerId, policy, rows, running, now, events);
    const starts: QueuedStart[] = rows.map((r) => ({
      id: r.id,
      seq: Number(r.seq),
      fairKey: r.fair_key,
      readyAt: new Date(r.ready_at).getTime(),
      concurrencyKeys: r.concurrency_keys,
      concurrencyLimits: r.concurrency_limits,
      throttleKey: r.throttle_key,
    }));
    const result = admit(
      starts,
      { running, throttle, throttleParams: policy.throttle ? throttleParams(policy.throttle.limit, durationMs(policy.throttle.period), policy.throttle.burst) : undefined },
      now.getTime(),
    );
    await takeSlots(m, result.admitted.map((s) => byId.get(s.id)!), now);
    await saveThrottleBuckets(m, triggerId, result.throttle);
    if (result.wakeAt !== undefined) wake = Math.min(wake ?? Infinity, result.wakeAt);

    const skipped = await skipWaiting(m, triggerId, policy, result.waiting, byId, now, events);
    const waiting = result.waiting.filter((w) => !skipped.has(w.start.id));
    // Why the others wait: one `queued` decision per occurrence and reason.
    const markQueued = async (ids: string[] | null, reason: string) => {
      const marked = await returning<{ id: string; event_id: string }>(
        m,
        ids === null
          ? `UPDATE triggers.occurrences o SET reason = $2
               FROM triggers.flow_queue q
              WHERE q.trigger_id = $1 AND q.state = 'queued' AND q.not_before <= $3 AND o.id = q.id AND o.reason IS NULL
             RETURNING o.id, o.event_id`
          : `UPDATE triggers.occurrences SET reason = $2
              WHERE id = ANY($1::uuid[]) AND outcome = 'queued' AND reason IS DISTINCT FROM $2
             RETURNING id, event_id`,
        ids === null ? [triggerId, reason, now] : [ids, reason],
      );
      for (const row of marked) {
        metrics.triggerFlowDecisions.inc({ trigger_id: triggerId, outcome: 'queued', reason });
        events.push(decisionEvent({ id: row.id, triggerID: triggerId, eventID: row.event_id, outcome: 'queued', reason }, now));
      }
    };
    for (const reason of ['concurrency', 'throttle'] as const) {
      const ids = waiting.filter((w) => w.reason === reason).map((w) => w.start.id);
      if (ids.length > 0) await markQueued(ids, reason);
    }
    // Starts beyond this round's window wait for the same reason as their key's heads.
    if (waiting.length > 0) await markQueued(null, policy.concurrency ? 'concurrency' : 'throttle');
    await this.publisher.publishMany(m, events);
    return wake;
  }

  /** Starts the admitted (`starting`) starts of a trigger and records them. */
  private async startAdmitted(triggerId: string): Promise<void> {
    for (;;) {
      const rows = await startingStarts(this.dataSource, triggerId, 1000);
      if (rows.length === 0) return;
      for (const row of rows) {
        for (const instanceId of row.cancel_instances) {
          // Singleton `cancel`: an instance that already ended answers VALIDATION, which is fine.
          const reply = await this.orchestrator.abortInstance(instanceId);
          if (!reply.ok && reply.error.code !== 'VALIDATION' && reply.error.code !== 'NOT_FOUND') {
            throw new Error(`could not abort instance ${instanceId}: ${reply.error.code} ${reply.error.message}`);
          }
        }
      }
      const results = await this.orchestrator.startMany(
        rows.map((r) => ({ workflowId: r.workflow_id, variables: r.variables, idempotencyKey: startKey(triggerId, r.event_id), chainDepth: r.chain_depth })),
      );
      const retry = await this.dataSource.transaction((m) => this.recordStarts(m, triggerId, rows, results));
      this.publisher.flush();
      if (retry) {
        this.wakeLater(triggerId, this.clock.now().getTime() + RETRY_MS);
        return;
      }
    }
  }

  /** Records started instances and final failures; returns true when some must be retried. */
  private async recordStarts(
    m: EntityManager,
    triggerId: string,
    rows: QueuedStartRow[],
    results: Awaited<ReturnType<OrchestratorClient['startMany']>>,
  ): Promise<boolean> {
    const now = this.clock.now();
    const final = rows.flatMap((row, i): Array<{ row: QueuedStartRow; instanceId?: string; error?: string }> => {
      const r = results[i];
      if (r.ok) return [{ row, instanceId: r.data.id }];
      if (r.error.code === 'NOT_FOUND' || r.error.code === 'VALIDATION') return [{ row, error: r.error.message }];
      return [];
    });
    // The first to delete a start records it (another replica may have started it too).
    const deleted = await returning<{ id: string }>(m, `DELETE FROM triggers.flow_queue WHERE id = ANY($1::uuid[]) AND state = 'starting' RETURNING id`, [
      final.map((f) => f.row.id),
    ]);
    const mine = new Set(deleted.map((d) => d.id));
    const events: Array<NewEvent<Record<string, unknown>>> = [];
    const started = final.filter((f) => mine.has(f.row.id) && f.instanceId);
    const failed = final.filter((f) => mine.has(f.row.id) && !f.instanceId);
    if (started.length > 0) {
      await m.query(
        `UPDATE triggers.occurrences o SET outcome = 'started', workflow_instance_id = s.instance_id, date = o.date
           FROM unnest($1::uuid[], $2::text[]) AS s (id, instance_id) WHERE o.id = s.id`,
        [started.map((s) => s.row.id), started.map((s) => s.instanceId)],
      );
      await recordStartedSlots(m, started.map((s) => ({ occurrenceId: s.row.id, instanceId: s.instanceId! })));
      for (const s of started) {
        metrics.triggerMatches.inc({ result: 'started' });
        events.push(lifecycleEvent(SUCCEEDED_TRIGGER, { id: s.row.id, triggerID: triggerId, workflowInstanceID: s.instanceId }, now));
        events.push(decisionEvent({ id: s.row.id, triggerID: triggerId, eventID: s.row.event_id, outcome: 'started', workflowInstanceID: s.instanceId }, now));
      }
    }
    if (failed.length > 0) {
      await m.query(`DELETE FROM triggers.flow_slots WHERE occurrence_id = ANY($1::uuid[])`, [failed.map((f) => f.row.id)]);
      await m.query(
        `UPDATE triggers.occurrences o SET outcome = 'failed', error = f.error FROM unnest($1::uuid[], $2::text[]) AS f (id, error) WHERE o.id = f.id`,
        [failed.map((f) => f.row.id), failed.map((f) => f.error)],
      );
      for (const f of failed) {
        metrics.triggerMatches.inc({ result: 'failed' });
        events.push(lifecycleEvent(FAILED_TRIGGER, { id: f.row.id, triggerID: triggerId, error: f.error }, now));
        events.push(decisionEvent({ id: f.row.id, triggerID: triggerId, eventID: f.row.event_id, outcome: 'failed' }, now));
      }
    }
    await this.publisher.publishMany(m, events);
    return final.length < rows.length;
  }
}
