import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { headers as natsHeaders, StringCodec } from 'nats';
import { EventEnvelope, eventSubject } from '@wfp/contracts';
import { ensureEventsStream, injectTraceHeaders, publishWithRetry, tracingEnabled } from '@wfp/platform';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';

/** The gateway's NATS connection for JetStream publishing. */
export const EVENTS_NATS_CONNECTION = Symbol('EVENTS_NATS_CONNECTION');

/** Publishes client events to the namespace's JetStream events stream (deduplicated by event id). */
@Injectable()
export class GatewayEventPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly codec = StringCodec();

  constructor(
    @Inject(EVENTS_NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureEventsStream(await this.nc.jetstreamManager(), this.config.NATS_NAMESPACE, this.config.NATS_STREAM_REPLICAS);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }

  /**
   * Resolves once JetStream stored the event; `duplicate` when that id was published within the
   * duplicate window. Retried with the same msg id within REQUEST_TIMEOUT_MS while a clustered
   * stream elects a new leader (a PubAck timeout is then not a lost event, nor a double one).
   */
  async publish(envelope: EventEnvelope): Promise<{ duplicate: boolean }> {
    const subject = eventSubject(this.config.NATS_NAMESPACE, envelope.app, envelope.version, envelope.type);
    // The trace of the HTTP request continues in the event's consumers (W3C traceparent header).
    let headers: ReturnType<typeof natsHeaders> | undefined;
    if (tracingEnabled()) injectTraceHeaders((headers = natsHeaders()));
    const ack = await publishWithRetry(
      this.nc.jetstream(),
      subject,
      this.codec.encode(JSON.stringify(envelope)),
      { msgID: envelope.id, timeout: Math.min(2000, this.config.REQUEST_TIMEOUT_MS), headers },
      { budgetMs: this.config.REQUEST_TIMEOUT_MS },
    );
    return { duplicate: ack.duplicate };
  }
}
