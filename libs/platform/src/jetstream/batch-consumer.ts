import { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg, NatsConnection } from 'nats';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { EventEnvelope, eventEnvelopeSchema } from '@wfp/contracts';
import { quoteIdent } from '../database/service-database';
import { deleteDurable, ensureDurableConsumer, observeConsumersPending } from './durable-consumer-config';
import { metrics, secondsSince } from '../observability/metrics';
import { consumerSpan, type TraceContext } from '../observability/tracing';

/** One distinct event of a batch (a redelivered duplicate in the same batch is folded into it). */
export interface DeliveredEvent {
  envelope: EventEnvelope;
  /** The event's consumer span (child of its publisher's `traceparent`) when tracing is on. */
  trace?: TraceContext;
  /** Deliveries so far of its message, 1 on the first (the most of the folded duplicates). */
  deliveries: number;
}

/** What became of one event: applied (or nothing to do) → acked; failed → retried or dead-lettered. */
export type EventOutcome = { ok: true } | { ok: false; error: Error };

/**
 * Handles a batch of distinct events and returns one outcome per event, in order. The handler
 * owns its transactions: it must commit everything it acknowledges as `ok` before resolving, and
 * must not hold a transaction open across a network call. Throwing fails the whole batch.
 */
export type BatchHandler = (events: DeliveredEvent[]) => Promise<EventOutcome[]>;

/**
 * One durable consumer on the server feeding a {@link BatchConsumer}: nats-server 2.9 allows one
 * filter subject per consumer, so a consumer of several subjects reads one durable per subject.
 */
export interface ConsumerSource {
  durable: string;
  filterSubject: string;
  /** Where the durable starts if it is created now (a stream sequence; default: the whole stream). */
  startSeq?: number;
}

export interface BatchConsumerOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  /**
   * The connection of `js`: when given, {@link BatchConsumer.setSources} resolves once the NATS
   * server has the new readers' first pull requests (a round trip), so events published after it
   * resolves are delivered at once (the connection may defer its writes: coalesced-writes.ts).
   */
  nc?: NatsConnection;
  dataSource: DataSource;
  /** Schema holding this service's `inbox` and `dead_letters` tables. */
  schema: string;
  stream: string;
  /**
   * The consumer's name: its metrics label, dead letters' `consumer` and span consumer group —
   * and, without `sources`, its one durable's name.
   */
  name: string;
  /** The one durable's filter subject, when `sources` is not given. */
  filterSubject?: string;
  /** The durables read at start (more are added and removed with {@link BatchConsumer.setSources}). */
  sources?: ConsumerSource[];
  handler: BatchHandler;
  logger: Logger;
  /** Most events handed to the handler at once (default 100). */
  batchSize?: number;
  /** Batches handled at once (default 2). Each holds at most one database connection at a time. */
  concurrency?: number;
  /** Deliveries before a message is dead-lettered (default 5). */
  maxDeliver?: number;
  /** Redelivery delays after a failed attempt, last one repeats (default 1s, 5s, 30s). */
  backoffMs?: number[];
  ackWaitMs?: number;
  /** Called after a batch whose handler succeeded for at least one event (e.g. to nudge an outbox relay). */
  afterBatch?: () => void;
}

/**
 * A durable JetStream pull consumer that hands events to its handler in batches: whatever has
 * arrived (up to `batchSize`) is taken at once, so a quiet stream is handled event by event
 * (low latency) and a busy one in large batches (few transactions, few round trips). Explicit
 * acks: an event is acked only after the handler reports it applied (committed); a failed event
 * is redelivered with backoff up to `maxDeliver` times, then kept in `dead_letters` with the
 * reason and terminated; an invalid envelope is dead-lettered at once. Exactly-once effects are
 * the handler's part, through the inbox (see {@link appliedEvents} and {@link recordInbox}).
 */
export class BatchConsumer {
  /** The durables being read, by name: their pull subscription and its reading loop. */
  private readonly readers = new Map<string, { messages: ConsumerMessages; done: Promise<void>; ended: boolean }>();
  private readonly queue: JsMsg[] = [];
  private wakeWorkers: Array<() => void> = [];
  private wakeReaders: Array<() => void> = [];
  private running = false;
  private workers: Promise<void>[] = [];
  private unobserve?: () => void;
  /** Source changes run one at a time (a reconcile never races another). */
  private changing: Promise<void> = Promise.resolve();

  constructor(private readonly options: BatchConsumerOptions) {}

  private get batchSize(): number {
    return this.options.batchSize ?? 100;
  }

  private get concurrency(): number {
    return this.options.concurrency ?? 2;
  }

  /** The durables read now. */
  get durables(): string[] {
    return [...this.readers.keys()];
  }

  async start(): Promise<void> {
    const { jsm, stream, name, filterSubject, sources } = this.options;
    this.running = true;
    this.workers = Array.from({ length: this.concurrency }, () => this.work());
    this.unobserve = observeConsumersPending(jsm, stream, name, () => this.durables);
    await this.setSources(sources ?? [{ durable: name, filterSubject: filterSubject ?? '>' }]);
  }

  /**
   * Reads exactly `sources` from now on: creates and reads the new durables, stops reading the
   * ones left out (their delivered messages are still handled and acked) and, with
   * `deleteRemoved`, deletes those durables on the server.
   */
  setSources(sources: ConsumerSource[], options: { deleteRemoved?: boolean } = {}): Promise<void> {
    const change = this.changing.then(() => this.applySources(sources, options));
    this.changing = change.catch(() => undefined);
    return change;
  }

  private async applySources(sources: ConsumerSource[], { deleteRemoved = false }: { deleteRemoved?: boolean }): Promise<void> {
    const { js, jsm, stream, maxDeliver = 5, ackWaitMs = 30_000 } = this.options;
    const wanted = new Map(sources.map((source) => [source.durable, source]));
    for (const [durable, reader] of [...this.readers]) {
      // A reader whose subscription ended (its durable was deleted, the client gave up) is read anew below.
      if (wanted.has(durable) && !reader.ended) continue;
      this.readers.delete(durable);
      await reader.messages.close();
      await reader.done;
      if (deleteRemoved && !wanted.has(durable)) await deleteDurable(jsm, stream, durable);
    }
    const maxAckPending = Math.max(1000, this.batchSize * this.concurrency * 4);
    let added = false;
    for (const source of wanted.values()) {
      if (this.readers.has(source.durable) || !this.running) continue;
      await ensureDurableConsumer(jsm, { stream, name: source.durable, filterSubject: source.filterSubject, startSeq: source.startSeq, maxDeliver, ackWaitMs, maxAckPending });
      const consumer = await js.consumers.get(stream, source.durable);
      // Pull requests of up to 2 batches per worker; the server's max_ack_pending bounds the rest.
      // A short pull expiry: after a stream leader's node dies, a new pull reaches the new leader soon.
      const messages = await consumer.consume({ max_messages: this.batchSize * this.concurrency * 2, expires: 10_000 });
      const reader = { messages, done: Promise.resolve(), ended: false };
      reader.done = this.read(messages).finally(() => (reader.ended = true));
      this.readers.set(source.durable, reader);
      added = true;
    }
    if (added) await this.options.nc?.flush();
  }

  async stop(): Promise<void> {
    this.unobserve?.();
    this.running = false;
    await this.changing;
    for (const wake of this.wakeReaders.splice(0)) wake();
    for (const reader of this.readers.values()) await reader.messages.close();
    await Promise.allSettled([...this.readers.values()].map((reader) => reader.done));
    this.readers.clear();
    for (const wake of this.wakeWorkers.splice(0)) wake();
    await Promise.allSettled(this.workers);
  }

  private async read(messages: ConsumerMessages): Promise<void> {
    const limit = this.batchSize * this.concurrency * 2;
    for await (const msg of messages) {
      this.queue.push(msg);
      this.wakeWorkers.shift()?.();
      while (this.running && this.queue.length >= limit) await new Promise<void>((resolve) => this.wakeReaders.push(resolve));
    }
  }

  private async work(): Promise<void> {
    while (this.running) {
      if (this.queue.length === 0) {
        await new Promise<void>((resolve) => this.wakeWorkers.push(resolve));
        continue;
      }
      const batch = this.queue.splice(0, this.batchSize);
      for (const wake of this.wakeReaders.splice(0)) wake();
      await this.handle(batch).catch((error: unknown) => this.options.logger.error({ err: error }, 'batch handling failed'));
    }
  }

  /** Handles one batch of deliveries: parse, apply through the handler, then ack / retry / dead-letter each. */
  async handle(batch: JsMsg[]): Promise<void> {
    const { handler, afterBatch, name } = this.options;
    const started = process.hrtime.bigint();
    const count = (outcome: string, n = 1) => metrics.consumerHandled.inc({ consumer: name, outcome }, n);
    const byId = new Map<string, { event: DeliveredEvent; messages: JsMsg[]; end?: (error?: Error) => void }>();
    for (const msg of batch) {
      if (msg.info.redeliveryCount > 1) metrics.consumerRedeliveries.inc({ consumer: name });
      let envelope: EventEnvelope;
      try {
        envelope = eventEnvelopeSchema.parse(JSON.parse(msg.string())) as EventEnvelope;
      } catch (error) {
        await this.deadLetter(msg, `invalid event envelope: ${(error as Error).message}`);
        msg.term('invalid envelope');
        count('dead_lettered');
        metrics.consumerDeadLetters.inc({ consumer: name });
        continue;
      }
      const group = byId.get(envelope.id);
      if (group) {
        group.messages.push(msg);
        group.event.deliveries = Math.max(group.event.deliveries, msg.info.redeliveryCount);
      } else {
        const span = consumerSpan(msg.subject, name, msg.headers);
        byId.set(envelope.id, { event: { envelope, deliveries: msg.info.redeliveryCount, trace: span?.context }, messages: [msg], end: span?.end });
      }
    }
    const groups = [...byId.values()];
    if (groups.length === 0) return;
    let outcomes: EventOutcome[];
    try {
      outcomes = await handler(groups.map((g) => g.event));
      if (outcomes.length !== groups.length) throw new Error(`handler returned ${outcomes.length} outcomes for ${groups.length} events`);
    } catch (error) {
      outcomes = groups.map(() => ({ ok: false, error: error as Error }));
    }
    let applied = false;
    for (const [i, group] of groups.entries()) {
      const outcome = outcomes[i];
      group.end?.(outcome.ok ? undefined : outcome.error);
      if (outcome.ok) {
        applied = true;
        count('applied', group.messages.length);
        for (const msg of group.messages) msg.ack();
      } else {
        for (const msg of group.messages) await this.retryOrDeadLetter(msg, group.event.envelope, outcome.error);
      }
    }
    metrics.consumerHandleDuration.observe({ consumer: name }, secondsSince(started));
    if (applied) afterBatch?.();
  }

  private async retryOrDeadLetter(msg: JsMsg, envelope: EventEnvelope, error: Error): Promise<void> {
    const { logger, name, maxDeliver = 5, backoffMs = [1000, 5000, 30000] } = this.options;
    const log = logger.child({ consumer: name, eventId: envelope.id, eventType: envelope.type });
    const deliveries = msg.info.redeliveryCount;
    if (deliveries >= maxDeliver) {
      log.error({ err: error, deliveries }, 'event dead-lettered after its last delivery');
      await this.deadLetter(msg, error?.message ?? String(error)).catch((dlError) => log.error({ err: dlError }, 'could not write dead letter'));
      msg.term('max deliveries reached');
      metrics.consumerHandled.inc({ consumer: name, outcome: 'dead_lettered' });
      metrics.consumerDeadLetters.inc({ consumer: name });
    } else {
      metrics.consumerHandled.inc({ consumer: name, outcome: 'retried' });
      const delay = backoffMs[Math.min(deliveries - 1, backoffMs.length - 1)];
      log.warn({ err: error, deliveries, retryInMs: delay }, 'event handling failed; will retry');
      msg.nak(delay);
    }
  }

  private async deadLetter(msg: JsMsg, reason: string): Promise<void> {
    const { dataSource, schema, name } = this.options;
    await dataSource.query(
      `INSERT INTO ${quoteIdent(schema)}.dead_letters (consumer, stream_seq, subject, data, deliveries, reason)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [name, msg.seq, msg.subject, msg.string(), msg.info.redeliveryCount, reason.slice(0, 2000)],
    );
  }
}

type Queryable = Pick<EntityManager, 'query'>;

/** The ids among `eventIds` that `consumer` has already applied (one statement, no transaction needed). */
export async function appliedEvents(db: Queryable, schema: string, consumer: string, eventIds: string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const rows: Array<{ event_id: string }> = await db.query(
    `SELECT event_id FROM ${quoteIdent(schema)}.inbox WHERE consumer = $1 AND event_id = ANY($2::text[])`,
    [consumer, eventIds],
  );
  return new Set(rows.map((row) => row.event_id));
}

/**
 * Records events as applied by `consumer`, inside the transaction of their effects; returns the
 * ids recorded now (an id already in the inbox — a concurrent redelivery won — is left out, and
 * its effects must not be written). Ids are inserted in sorted order so that concurrent batches
 * lock inbox keys in the same order (no deadlock).
 */
export async function recordInbox(manager: EntityManager, schema: string, consumer: string, eventIds: string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const rows: Array<{ event_id: string }> = await manager.query(
    `INSERT INTO ${quoteIdent(schema)}.inbox (consumer, event_id)
     SELECT $1, id FROM unnest($2::text[]) AS id ORDER BY id
     ON CONFLICT DO NOTHING RETURNING event_id`,
    [consumer, [...eventIds].sort()],
  );
  return new Set(rows.map((row) => row.event_id));
}
