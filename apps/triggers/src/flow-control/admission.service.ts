import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PinoLogger } from 'nestjs-pino';
import { Clock, CLOCK, EventPublisher } from '@wfp/platform';
import { OrchestratorClient } from '../orchestrator/orchestrator-client';
import { replayStartKey, startKey, triggerStartFields } from '../matching/trigger-events';
import { admissionRound } from './admission-round';
import { QueuedStartRow, startingStarts, triggersWithDueStarts } from './flow-store';
import { recordStarts } from './record-starts';

/** How often due wake-ups are looked at (real time; the due times come from the CLOCK). */
const TICK_MS = 100;
/** How often every trigger with due starts is swept (other replicas' work, crash leftovers). */
const SWEEP_MS = 2000;
const RETRY_MS = 1000;
/** Admitted starts per start-many (and per record transaction); the matcher's batches are of 100 events. */
const START_CHUNK = 100;
/** Sweeps between two prunings of expired state (about a minute). */
const PRUNE_EVERY = 30;

/**
 * Admission of queued starts (flow control): for one trigger at a time, under its advisory lock,
 * a round picks the queued starts that may start now (fair-admission.ts: round robin across
 * keys, every concurrency limit, throttle), marks them `starting` with their slots and records
 * why the others wait (an occurrence `queued` with its reason, once per reason, on the bus
 * too). After commit, one start-many starts the round's admitted starts (idempotency key
 * `trigger:<id>:<event>`), and one transaction records each instance on its occurrence
 * (`started`, SUCCEEDED_TRIGGER) and its slots — beside the next rounds, which do not wait for
 * the orchestrator (rounds of a trigger are one at a time; the starts of several rounds may be in
 * flight). A crash in between leaves rows `starting`: the next sweep (any replica) starts them
 * again and gets the same instances (rows this process is starting are left to it). Runs when
 * kicked (new queued starts, freed slots), when a throttle or debounce time comes, and every
 * {@link SWEEP_MS}. A trigger whose concurrency rules share slots with its workflow's other
 * triggers (`scope: workflow`) runs one round over all of them (admission-round.ts) and starts
 * what it admitted for each of them.
 */
@Injectable()
export class AdmissionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly wakeAt = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  /** Starts being started by this process (beside the rounds), and their queue row ids. */
  private readonly starting = new Set<Promise<void>>();
  private readonly inFlight = new Set<string>();
  /** Triggers whose next run also starts the rows left `starting` (sweeps, retries). */
  private readonly recover = new Set<string>();
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
    await Promise.allSettled([...this.starting]);
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
      for (const id of ids) this.recover.add(id);
      await Promise.all(ids.map((id) => this.admitSoon(id)));
      await Promise.allSettled([...this.starting]);
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
    await this.dataSource.query(`DELETE FROM triggers.flow_early_stages WHERE seen_at < $1`, [new Date(now.getTime() - 86_400_000)]);
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
        this.retryLater(triggerId);
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
    const { wake, admitted } = await this.dataSource.transaction(async (m) => {
      const round = await admissionRound(m, triggerId, now);
      await this.publisher.publishMany(m, round.events);
      return round;
    });
    this.publisher.flush();
    this.wakeLater(triggerId, wake);
    // Starts left `starting` (a crash, a retryable failure, another replica's): on a sweep or a wake-up only.
    const admittedIds = new Set(admitted.map((a) => a.id));
    // In flight when the rows are read, or since (a start recorded meanwhile is no longer in flight but was read).
    const inFlight = new Set(this.inFlight);
    const leftovers = this.recover.delete(triggerId)
      ? (await startingStarts(this.dataSource, triggerId, 1000)).filter((r) => !inFlight.has(r.id) && !this.inFlight.has(r.id) && !admittedIds.has(r.id))
      : [];
    // The admitted starts are started beside the next rounds: a round never waits for the
    // orchestrator, so matching, admission and starting overlap.
    this.start([...admitted, ...leftovers]);
  }

  /**
   * Starts admitted (`starting`) starts after the commit that admitted them (a round's, or the
   * matcher's fast path: fast-admission.ts) and records them, in the background: per trigger, in
   * chunks of START_CHUNK started side by side (as the matcher starts its batches), so a round
   * that admitted a whole burst does not wait for one start-many and one record of all of it.
   */
  start(rows: QueuedStartRow[]): void {
    if (this.stopped || rows.length === 0) return;
    const byTrigger = new Map<string, QueuedStartRow[]>();
    for (const row of rows) byTrigger.set(row.trigger_id, [...(byTrigger.get(row.trigger_id) ?? []), row]);
    for (const [id, own] of byTrigger) for (let i = 0; i < own.length; i += START_CHUNK) this.startInBackground(id, own.slice(i, i + START_CHUNK));
  }

  /** Starts these `starting` starts of a trigger and records them, beside the admission rounds. */
  private startInBackground(triggerId: string, rows: QueuedStartRow[]): void {
    const ids = rows.map((r) => r.id);
    for (const id of ids) this.inFlight.add(id);
    const run: Promise<void> = this.startRows(triggerId, rows)
      .catch((error) => {
        if (this.stopped) return;
        this.logger.warn({ triggerId, err: error }, 'flow-control start failed: retried');
        this.retryLater(triggerId);
      })
      .finally(() => {
        for (const id of ids) this.inFlight.delete(id);
        this.starting.delete(run);
      });
    this.starting.add(run);
  }

  private retryLater(triggerId: string): void {
    this.recover.add(triggerId);
    this.wakeLater(triggerId, this.clock.now().getTime() + RETRY_MS);
  }

  /** Starts admitted (`starting`) starts of a trigger and records them. */
  private async startRows(triggerId: string, rows: QueuedStartRow[]): Promise<void> {
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
      rows.map((r) => ({
        workflowId: r.workflow_id,
        variables: r.variables,
        idempotencyKey: r.replay_id && r.forced ? replayStartKey(r.replay_id, triggerId, r.event_id) : startKey(triggerId, r.event_id),
        chainDepth: r.chain_depth,
        ...(r.replay_id ? { metadata: { replay_id: r.replay_id } } : {}),
        ...triggerStartFields(triggerId, r.event_id, r.trigger_event, r.cancel_on),
      })),
    );
    const recorded = await this.dataSource.transaction(async (m) => {
      const outcome = await recordStarts(m, triggerId, rows, results, this.clock.now());
      await this.publisher.publishMany(m, outcome.events);
      return outcome;
    });
    for (const instanceId of recorded.abort) {
      const reply = await this.orchestrator.abortInstance(instanceId).catch((error: Error) => ({ ok: false as const, error: { code: 'UNAVAILABLE', message: error.message } }));
      if (!reply.ok) this.logger.warn({ triggerId, instanceId, err: reply.error }, 'could not abort an instance canceled while it started');
    }
    this.publisher.flush();
    // A stage start seen before this start was recorded freed a `hold: active` slot: another round.
    if (recorded.freedRoom) void this.admitSoon(triggerId);
    if (recorded.retry) this.retryLater(triggerId);
  }
}
