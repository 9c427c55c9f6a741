import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { DeliverPolicy, NatsConnection, StringCodec } from 'nats';
import type { ConsumerMessages, OrderedConsumerOptions } from 'nats';
import { eventsStreamName, eventsSubjectRoot } from '@wfp/contracts';
import { ensureEventsStream } from '@wfp/platform';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';

export const CONSOLE_NATS_CONNECTION = Symbol('CONSOLE_NATS_CONNECTION');

/** One bus event as the console stream sends it. */
export interface TailedEvent {
  /** The event's sequence in the JetStream stream (the SSE `id`). */
  seq: number;
  subject: string;
  /** The envelope as published; `undefined` when the message was not JSON. */
  envelope: Record<string, unknown> | undefined;
}

export interface Tail {
  /** Stops delivery and deletes the consumer; idempotent. */
  close(): Promise<void>;
}

/**
 * Tails the namespace's events stream for console clients: one ephemeral, ordered JetStream
 * consumer per client (in memory, no acks, never durable), deleted when the client goes away and
 * removed by the server after 30 s of inactivity if the gateway dies first. Reads only: a tail
 * never acknowledges, so it cannot take an event from a service's durable consumer.
 */
@Injectable()
export class BusTailService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly codec = StringCodec();
  /** Each open tail and how to end it from the server side (its client's response ends too). */
  private readonly open = new Map<Tail, () => void>();

  constructor(
    @Inject(CONSOLE_NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly logger: PinoLogger,
  ) {}

  get openTails(): number {
    return this.open.size;
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureEventsStream(await this.nc.jetstreamManager(), this.config.NATS_NAMESPACE, this.config.NATS_STREAM_REPLICAS);
  }

  /** Before the HTTP server closes (it would wait for open streams): end every stream. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const end of [...this.open.values()]) end();
    await Promise.all([...this.open.keys()].map((tail) => tail.close()));
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }

  /**
   * Starts a tail: new events only, or also the last `replay` events already stored. `onEvent`
   * is called in stream order; `onEnd` once if delivery stops by itself (NATS gone for good).
   */
  async start(replay: number, onEvent: (event: TailedEvent) => void, onEnd: (error?: Error) => void): Promise<Tail> {
    const stream = eventsStreamName(this.config.NATS_NAMESPACE);
    const options: Partial<OrderedConsumerOptions> = {
      name_prefix: 'console_',
      filterSubjects: `${eventsSubjectRoot(this.config.NATS_NAMESPACE)}.>`,
      inactive_threshold: 30_000,
      deliver_policy: DeliverPolicy.New,
    };
    if (replay > 0) {
      const info = await (await this.nc.jetstreamManager()).streams.info(stream);
      const from = Math.max(info.state.first_seq, info.state.last_seq - replay + 1);
      if (info.state.messages > 0) {
        options.deliver_policy = DeliverPolicy.StartSequence;
        options.opt_start_seq = from;
      }
    }
    const consumer = await this.nc.jetstream().consumers.get(stream, options);
    const messages: ConsumerMessages = await consumer.consume({ max_messages: 256 });
    let closed = false;
    const tail: Tail = {
      close: async () => {
        if (closed) return;
        closed = true;
        this.open.delete(tail);
        await messages.close().catch(() => undefined);
        await consumer.delete().catch(() => undefined);
      },
    };
    this.open.set(tail, () => onEnd(new Error('the gateway is shutting down')));
    void (async () => {
      try {
        for await (const m of messages) {
          let envelope: Record<string, unknown> | undefined;
          try {
            const parsed: unknown = JSON.parse(this.codec.decode(m.data));
            envelope = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
          } catch {
            envelope = undefined;
          }
          onEvent({ seq: m.seq, subject: m.subject, envelope });
        }
        if (!closed) onEnd();
      } catch (error) {
        this.logger.warn({ err: String(error) }, 'console event tail stopped');
        if (!closed) onEnd(error as Error);
      }
    })();
    return tail;
  }
}
