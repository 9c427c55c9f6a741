import { ConsumerMessages, DeliverPolicy, JetStreamClient, JetStreamManager, JsMsg } from 'nats';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { EventEnvelope, eventEnvelopeSchema } from '@wfp/contracts';
import { quoteIdent } from '../database/service-database';
import { ensureDurableConsumer, observeConsumerPending } from './durable-consumer-config';
import { metrics, secondsSince } from '../observability/metrics';
import { extractTraceHeaders, inSpan, SpanKind, tracingEnabled } from '../observability/tracing';

export type EventHandler = (envelope: EventEnvelope, manager: EntityManager) => Promise<void>;

export interface DurableConsumerOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  dataSource: DataSource;
  /** Schema holding this service's `inbox` and `dead_letters` tables. */
  schema: string;
  stream: string;
  /** Durable consumer name (also its metrics label and, without `inboxKey`, the inbox's consumer key). */
  name: string;
  /** The inbox's consumer key, when several durables apply the events of one consumer. */
  inboxKey?: string;
  filterSubject: string;
  handler: EventHandler;
  logger: Logger;
  /** Deliveries before a message is dead-lettered (default 5). */
  maxDeliver?: number;
  /** Redelivery delays after a failed attempt, last one repeats (default 1s, 5s, 30s). */
  backoffMs?: number[];
  ackWaitMs?: number;
  /** Messages handled at once (default 8). */
  concurrency?: number;
  /** Called after a handler's transaction commits (e.g. to nudge an outbox relay). */
  afterCommit?: () => void;
  /**
   * Optional cheap pre-check: when it resolves false the event has no effect for this consumer
   * and is acked without a transaction or an inbox row (a throw is retried like a handler error).
   */
  shouldHandle?: (envelope: EventEnvelope) => boolean | Promise<boolean>;
  /** Where a newly created durable starts (default: every event the stream holds). */
  deliverPolicy?: DeliverPolicy;
  /** …or the stream sequence it starts at (takes precedence over `deliverPolicy`). */
  startSeq?: number;
  /** …or the time of the first message it delivers (after `startSeq`, before `deliverPolicy`). */
  startTime?: Date;
}

/**
 * A durable JetStream consumer with explicit acks and effects applied exactly once:
 * each event is handled in a Postgres transaction that also records `(consumer, event id)` in
 * the inbox, and is acked only after that transaction commits. A redelivered or re-published
 * event is a no-op. A failing event is redelivered with backoff up to `maxDeliver` times, then
 * kept in `dead_letters` with the reason and terminated. An invalid envelope is dead-lettered at once.
 */
export class DurableConsumer {
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private stopping = false;
  private readonly inFlight = new Set<Promise<void>>();
  private unobserve?: () => void;

  constructor(private readonly options: DurableConsumerOptions) {}

  async start(): Promise<void> {
    const { js, jsm, stream, name, filterSubject, maxDeliver = 5, ackWaitMs = 30_000, concurrency = 8 } = this.options;
    await ensureDurableConsumer(jsm, {
      stream,
      name,
      filterSubject,
      maxDeliver,
      ackWaitMs,
      maxAckPending: Math.max(100, concurrency * 4),
      deliverPolicy: this.options.deliverPolicy,
      startSeq: this.options.startSeq,
      startTime: this.options.startTime,
    });
    const consumer = await js.consumers.get(stream, name);
    this.messages = await consumer.consume(this.consumeOptions(concurrency));
    this.loop = this.keepConsuming(concurrency);
    this.unobserve = observeConsumerPending(jsm, stream, name);
  }

  async stop(): Promise<void> {
    this.unobserve?.();
    this.stopping = true;
    await this.messages?.close();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Pull requests live 10 s (idle heartbeats every 5 s): after the NATS node holding them is lost,
   * the client notices two missed heartbeats and pulls again from the new consumer leader within
   * ~10 s, instead of the 30 s of the default.
   */
  private consumeOptions(concurrency: number) {
    return { max_messages: Math.max(16, concurrency * 2), expires: 10_000 };
  }

  /**
   * Runs the consume loop; should the iterator end while the service is not stopping (the
   * client gave up on the consumer, e.g. after a long NATS outage), re-attaches to the durable
   * consumer so that consumption never silently stops.
   */
  private async keepConsuming(concurrency: number): Promise<void> {
    const { js, stream, name, logger } = this.options;
    for (let attempt = 0; !this.stopping; attempt++) {
      try {
        if (attempt > 0 || !this.messages) {
          const consumer = await js.consumers.get(stream, name);
          this.messages = await consumer.consume(this.consumeOptions(concurrency));
          logger.warn({ consumer: name }, 're-attached to the durable consumer');
        }
        await this.run(this.messages, concurrency);
      } catch (error) {
        logger.warn({ err: error, consumer: name }, 'consume loop ended with an error; re-attaching');
      }
      if (!this.stopping) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  private async run(messages: ConsumerMessages, concurrency: number): Promise<void> {
    for await (const msg of messages) {
      while (this.inFlight.size >= concurrency) await Promise.race(this.inFlight);
      const task = this.handle(msg).finally(() => this.inFlight.delete(task));
      this.inFlight.add(task);
    }
  }

  /** Handles one delivery: apply once, ack after commit, or retry / dead-letter (counted, traced). */
  async handle(msg: JsMsg): Promise<void> {
    const { name } = this.options;
    const started = process.hrtime.bigint();
    if (msg.info.redeliveryCount > 1) metrics.consumerRedeliveries.inc({ consumer: name });
    try {
      if (!tracingEnabled()) return await this.handleOnce(msg);
      await inSpan(
        `jetstream process ${msg.subject}`,
        {
          kind: SpanKind.CONSUMER,
          parent: extractTraceHeaders(msg.headers),
          attributes: { 'messaging.system': 'nats', 'messaging.destination.name': msg.subject, 'messaging.consumer.group.name': name },
        },
        () => this.handleOnce(msg),
      );
    } finally {
      metrics.consumerHandleDuration.observe({ consumer: name }, secondsSince(started));
    }
  }

  private async handleOnce(msg: JsMsg): Promise<void> {
    const { logger, name, maxDeliver = 5, backoffMs = [1000, 5000, 30000] } = this.options;
    const count = (outcome: string) => metrics.consumerHandled.inc({ consumer: name, outcome });
    let envelope: EventEnvelope;
    try {
      envelope = eventEnvelopeSchema.parse(JSON.parse(msg.string())) as EventEnvelope;
    } catch (error) {
      await this.deadLetter(msg, `invalid event envelope: ${(error as Error).message}`);
      msg.term('invalid envelope');
      count('dead_lettered');
      metrics.consumerDeadLetters.inc({ consumer: name });
      return;
    }
    const log = logger.child({ consumer: name, eventId: envelope.id, eventType: envelope.type });
    try {
      if (this.options.shouldHandle && !(await this.options.shouldHandle(envelope))) {
        msg.ack();
        count('skipped');
        return;
      }
      const applied = await this.apply(envelope);
      msg.ack();
      count(applied ? 'applied' : 'duplicate');
      if (applied) this.options.afterCommit?.();
      else log.debug('duplicate event ignored');
    } catch (error) {
      const deliveries = msg.info.redeliveryCount;
      if (deliveries >= maxDeliver) {
        log.error({ err: error, deliveries }, 'event dead-lettered after its last delivery');
        await this.deadLetter(msg, (error as Error)?.message ?? String(error)).catch((dlError) =>
          log.error({ err: dlError }, 'could not write dead letter'),
        );
        msg.term('max deliveries reached');
        count('dead_lettered');
        metrics.consumerDeadLetters.inc({ consumer: name });
      } else {
        const delay = backoffMs[Math.min(deliveries - 1, backoffMs.length - 1)];
        log.warn({ err: error, deliveries, retryInMs: delay }, 'event handling failed; will retry');
        msg.nak(delay);
        count('retried');
      }
    }
  }

  /** Runs the handler with the inbox record in one transaction; false when already applied. */
  private async apply(envelope: EventEnvelope): Promise<boolean> {
    const { dataSource, schema, name, inboxKey = name, handler } = this.options;
    return dataSource.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO ${quoteIdent(schema)}.inbox (consumer, event_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING RETURNING 1`,
        [inboxKey, envelope.id],
      );
      if (inserted.length === 0) return false;
      await handler(envelope, manager);
      return true;
    });
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
