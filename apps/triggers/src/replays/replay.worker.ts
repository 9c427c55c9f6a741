import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { NatsConnection } from 'nats';
import { PinoLogger } from 'nestjs-pino';
import { EventEnvelope, eventsStreamName, REPLAY_LIMITS, ReplayError, ReplayMatch } from '@wfp/contracts';
import { APP_CONFIG, Clock, CLOCK, EventPublisher, metrics, NATS_CONNECTION } from '@wfp/platform';
import { evaluateCondition } from '@wfp/expressions';
import type { TriggersConfig } from '../config';
import { Candidate } from '../matching/candidate-cache';
import { Match, MatcherService } from '../matching/matcher.service';
import { liveMatchingCaughtUp, ReplayReader, StreamEvent } from './replay-reader';
import { matchingDurableName } from '../matching/matching-sources';
import { dropAbortedStarts, replayFinishedEvent } from './replay-events';
import {
  Checkpoint, claimReplay, finishReplay, firedPairs, outcomeCounts, pairsWithOccurrence, renewLease, replayRow, ReplayRow, saveCheckpoint,
} from './replay-store';

/** Events read (and committed) per batch: one start-many, one record transaction, one checkpoint. */
const BATCH = 100;
/** A replica holds a running replay this long past its last checkpoint (then another may take it over). */
const LEASE_MS = 5000;
const POLL_MS = 500;
/** How often a replay waiting for live matching or for its queued starts looks again. */
const WAIT_MS = 50;

class Stop extends Error {}

/**
 * Runs replays (docs/replay.md), one at a time in creation order across replicas (a lease on the
 * row). For each batch of events read from the stream in stream order (replay-reader.ts, never
 * inside a transaction): wait until the live matching consumer has applied them (its ack floor
 * — so a replay never races live matching for the same event), keep those the replay's filter
 * selects, match them against the replay's triggers with the matcher's own evaluation, drop the
 * pairs that fired already (unless forced), and fire the rest through the matcher's start and
 * record path (flow control, occurrences) with the checkpoint in the same transaction. A crash
 * resumes after the last checkpoint; a batch fired but not recorded is fired again with the
 * same idempotency keys (the same instances). After the last event a replay stays running until
 * its starts queued in flow control have left the queue, so an abort still stops them.
 */
@Injectable()
export class ReplayWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly owner = randomUUID();
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;

  constructor(
    private readonly dataSource: DataSource,
    private readonly matcher: MatcherService,
    private readonly publisher: EventPublisher,
    private readonly logger: PinoLogger,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: TriggersConfig,
  ) {
    this.logger.setContext('replays');
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  /** A replay was created or aborted here: look now. */
  wake(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let delay = POLL_MS;
      try {
        const job = await claimReplay(this.dataSource, this.owner, this.clock.now(), LEASE_MS);
        if (job) {
          await this.runReplay(job);
          delay = 0;
        }
        failures = 0;
      } catch (error) {
        failures++;
        if (failures === 1 || failures % 20 === 0) this.logger.error({ err: error, failures }, 'replay step failed; retrying');
        delay = POLL_MS * Math.min(20, 2 ** failures);
      }
      if (this.running && delay > 0) await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async runReplay(job: ReplayRow): Promise<void> {
    const namespace = this.config.NATS_NAMESPACE;
    const stream = eventsStreamName(namespace);
    const lastSeq = Number(job.last_seq);
    const reader = new ReplayReader(this.nc.jetstream(), stream, lastSeq > 0 ? { seq: lastSeq + 1 } : { time: new Date(job.from_time) });
    const triggers = new Set(job.trigger_ids);
    const durables = await this.liveDurablesOf(job.trigger_ids);
    const toSeq = Number(job.to_seq);
    const toTime = new Date(job.to_time).getTime();
    let position = lastSeq;
    try {
      for (;;) {
        if (!this.running) return;
        const read = position >= toSeq ? [] : await reader.next(BATCH);
        const inWindow = read.filter((e) => e.seq <= toSeq && e.time.getTime() <= toTime);
        const ended = position >= toSeq || read.length === 0 || inWindow.length < read.length || inWindow[inWindow.length - 1].seq >= toSeq;
        if (inWindow.length > 0) {
          await this.waitForLiveMatching(job, stream, durables, inWindow[inWindow.length - 1].seq);
          await this.replayBatch(job, inWindow, triggers);
          position = inWindow[inWindow.length - 1].seq;
        }
        if (ended) break;
      }
      await this.drainAndFinish(job);
    } catch (error) {
      if (error instanceof Stop) return this.afterStop(job.id);
      throw error;
    } finally {
      await reader.close();
    }
  }

  /** The live matcher's durables reading the event types of these triggers. */
  private async liveDurablesOf(triggerIds: string[]): Promise<string[]> {
    const rows: Array<{ event: string }> = await this.dataSource.query(`SELECT DISTINCT event FROM triggers.triggers WHERE id = ANY($1::uuid[])`, [triggerIds]);
    return rows.map((row) => matchingDurableName(row.event));
  }

  /** Waits until the live consumer applied every event up to `seq` (renewing the lease; stops when the replay was aborted). */
  private async waitForLiveMatching(job: ReplayRow, stream: string, durables: string[], seq: number): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    let renewedAt = Date.now();
    while (!(await liveMatchingCaughtUp(jsm, stream, durables, seq))) {
      if (!this.running) throw new Stop();
      if (Date.now() - renewedAt > LEASE_MS / 5) {
        if (!(await renewLease(this.dataSource, job.id, this.owner, this.clock.now(), LEASE_MS))) throw new Stop();
        renewedAt = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
    }
  }

  private async replayBatch(job: ReplayRow, events: StreamEvent[], triggers: Set<string>): Promise<void> {
    const checkpoint: Checkpoint = { lastSeq: events[events.length - 1].seq, lastTime: events[events.length - 1].time, events: 0, matched: 0, alreadyFired: 0, errors: 0 };
    const errors: ReplayError[] = [];
    const seqOf = new Map<string, number>();
    const selected: Array<{ envelope: EventEnvelope; candidates: Candidate[] }> = [];
    await this.matcher.cache.revalidate(this.dataSource);
    for (const event of events) {
      if (!event.envelope) {
        errors.push({ eventID: `seq:${event.seq}`, sequence: event.seq, error: event.invalid ?? 'invalid event' });
        continue;
      }
      const envelope = event.envelope;
      if (job.filter) {
        const result = evaluateCondition(job.filter, { event: envelope });
        if (!result.match) {
          if ('error' in result && result.error) errors.push({ eventID: envelope.id, sequence: event.seq, error: `replay filter: ${result.error}` });
          continue;
        }
      }
      checkpoint.events++;
      seqOf.set(envelope.id, event.seq);
      const candidates = (await this.matcher.cache.candidates(this.dataSource, envelope.type, envelope.version)).select(envelope.payload).filter((c) => triggers.has(c.id));
      if (candidates.length > 0) selected.push({ envelope, candidates });
    }
    metrics.triggerReplayEvents.inc(checkpoint.events);
    const matches = await this.matcher.evaluate(selected, (trigger, envelope, error) =>
      errors.push({ triggerID: trigger.id, eventID: envelope.id, sequence: seqOf.get(envelope.id)!, error: `filter: ${error}` }),
    );
    checkpoint.matched = matches.length;
    for (const m of matches) if (m.error) errors.push({ triggerID: m.trigger.id, eventID: m.envelope.id, sequence: seqOf.get(m.envelope.id)!, error: m.error });
    checkpoint.errors = errors.length;
    const save = async (m: EntityManager) => {
      if (!(await saveCheckpoint(m, job.id, this.owner, checkpoint, this.clock.now(), LEASE_MS))) throw new Stop();
    };

    if (job.dry_run) {
      metrics.triggerReplayPairs.inc({ result: 'dry_run' }, matches.length);
      const room = await this.dryRunRoom(job.id);
      checkpoint.dryMatches = matches.slice(0, room.matches).map((m) => dryMatch(m, seqOf.get(m.envelope.id)!));
      checkpoint.dryErrors = errors.slice(0, room.errors);
      checkpoint.truncated = matches.length > room.matches || errors.length > room.errors;
      await this.dataSource.transaction(save);
      return;
    }
    const pairs = matches.map((m) => ({ triggerId: m.trigger.id, eventId: m.envelope.id }));
    const fired = job.force ? new Set<string>() : await firedPairs(this.dataSource, pairs);
    const toFire = matches.filter((m) => !fired.has(pairKey(m)));
    checkpoint.alreadyFired = matches.length - toFire.length;
    metrics.triggerReplayPairs.inc({ result: 'already_fired' }, checkpoint.alreadyFired);
    if (toFire.length === 0) {
      await this.dataSource.transaction(save);
      return;
    }
    const existing = await pairsWithOccurrence(this.dataSource, toFire.map((m) => ({ triggerId: m.trigger.id, eventId: m.envelope.id })));
    // Stopped before starting anything when the replay was aborted meanwhile (an abort stops new starts).
    const current = await replayRow(this.dataSource, job.id);
    if (current?.status !== 'running' || !this.running) throw new Stop();
    let stopped = false;
    await this.matcher.fireReplay(
      toFire,
      (m) => ({ id: job.id, refire: existing.has(pairKey(m)), forced: job.force }),
      // The firings are recorded even when the replay was aborted meanwhile (their instances exist).
      async (m) => save(m).catch((error) => (error instanceof Stop ? void (stopped = true) : Promise.reject(error))),
    );
    metrics.triggerReplayPairs.inc({ result: 'fired' }, toFire.length);
    if (stopped) throw new Stop();
  }

  private async dryRunRoom(id: string): Promise<{ matches: number; errors: number }> {
    const [row]: Array<{ matches: number; errors: number }> = await this.dataSource.query(
      `SELECT jsonb_array_length(dry_matches) AS matches, jsonb_array_length(dry_errors) AS errors FROM triggers.replays WHERE id = $1`,
      [id],
    );
    return { matches: Math.max(0, REPLAY_LIMITS.dryRunMatches - (row?.matches ?? 0)), errors: Math.max(0, REPLAY_LIMITS.dryRunErrors - (row?.errors ?? 0)) };
  }

  /** Every event read: waits for the replay's starts queued in flow control, then ends it (with its bus event). */
  private async drainAndFinish(job: ReplayRow): Promise<void> {
    for (;;) {
      if (!this.running) return;
      const [{ queued }]: Array<{ queued: number }> = await this.dataSource.query(`SELECT count(*)::int AS queued FROM triggers.flow_queue WHERE replay_id = $1`, [job.id]);
      if (queued === 0) break;
      if (!(await renewLease(this.dataSource, job.id, this.owner, this.clock.now(), LEASE_MS))) return this.afterStop(job.id);
      await new Promise((resolve) => setTimeout(resolve, WAIT_MS * 4));
    }
    const now = this.clock.now();
    const outcomes = (await outcomeCounts(this.dataSource, [job.id])).get(job.id) ?? {};
    const fired = Object.values(outcomes).reduce((a, b) => a + b, 0);
    await this.dataSource.transaction(async (m) => {
      const row = await finishReplay(m, job.id, 'succeeded', now);
      if (row) await this.publisher.publishMany(m, [replayFinishedEvent(row, fired, now)]);
    });
    this.publisher.flush();
    this.logger.info({ replayId: job.id, fired }, 'replay finished');
  }

  /** The replay was aborted (or taken over): its starts still queued are dropped (the abort did it too; again for a batch recorded after it). */
  private async afterStop(id: string): Promise<void> {
    const row = await replayRow(this.dataSource, id);
    if (row?.status !== 'aborted') return;
    const now = this.clock.now();
    await this.dataSource.transaction(async (m) => this.publisher.publishMany(m, await dropAbortedStarts(m, id, now)));
    this.publisher.flush();
  }
}

function pairKey(m: Match): string {
  return `${m.trigger.id}:${m.envelope.id}`;
}

function dryMatch(m: Match, sequence: number): ReplayMatch {
  return { triggerID: m.trigger.id, eventID: m.envelope.id, sequence, ...(m.variables ? { variables: m.variables } : {}), ...(m.error ? { error: m.error } : {}) };
}
