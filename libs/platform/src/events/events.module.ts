import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  Optional,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { NatsConnection } from 'nats';
import { PinoLogger } from 'nestjs-pino';
import { EventEnvelope } from '@wfp/contracts';
import { NATS_CONNECTION } from '../nats/nats-connection.module';
import { APP_CONFIG } from '../bootstrap/service-platform.module';
import type { CommonConfig } from '../config/env';
import { ensureEventsStream } from '../jetstream/events-stream';
import { enqueueEvent, enqueueEvents, NewEvent } from '../jetstream/outbox';
import { OutboxRelay } from '../jetstream/outbox-relay';

export const EVENTS_SCHEMA = Symbol('EVENTS_SCHEMA');
export const EVENTS_OPTIONS = Symbol('EVENTS_OPTIONS');

/** How a service's outbox is relayed (see OutboxRelayOptions). */
export interface EventsOptions {
  deleteOnPublish?: boolean;
  batchSize?: number;
  /** Publish each batch pipelined in one socket write (PipelinedPublisher) rather than one `js.publish` per event. */
  pipelined?: boolean;
}

/**
 * Publishes a service's domain events through its transactional outbox.
 * `publish(manager, event)` must be called inside the transaction of the state change.
 */
@Injectable()
export class EventPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private relay?: OutboxRelay;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) private readonly config: CommonConfig,
    @Inject(EVENTS_SCHEMA) private readonly schema: string,
    private readonly logger: PinoLogger,
    @Optional() @Inject(EVENTS_OPTIONS) private readonly options: EventsOptions | null,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureEventsStream(await this.nc.jetstreamManager(), this.config.NATS_NAMESPACE, this.config.NATS_STREAM_REPLICAS);
    this.relay = new OutboxRelay({
      dataSource: this.dataSource,
      schema: this.schema,
      js: this.nc.jetstream(),
      nc: this.options?.pipelined ? this.nc : undefined,
      namespace: this.config.NATS_NAMESPACE,
      logger: this.logger.logger.child({ component: 'outbox-relay' }),
      deleteOnPublish: this.options?.deleteOnPublish,
      batchSize: this.options?.batchSize,
    });
    this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }

  /** Writes the event to the outbox in the caller's transaction. Call `flush()` after commit. */
  publish<P extends Record<string, unknown>>(manager: EntityManager, event: NewEvent<P>): Promise<EventEnvelope<P>> {
    return enqueueEvent(manager, this.schema, event);
  }

  /** Writes many events to the outbox in one statement, in the caller's transaction. Call `flush()` after commit. */
  publishMany(manager: EntityManager, events: Array<NewEvent<Record<string, unknown>>>): Promise<EventEnvelope[]> {
    return enqueueEvents(manager, this.schema, events);
  }

  /** Wakes the relay (after a transaction that wrote events committed). */
  flush(): void {
    this.relay?.nudge();
  }
}

/** Outbox publishing for a service whose `outbox` table lives in `schema`. */
@Global()
@Module({})
export class EventsModule {
  static forService(schema: string, options: EventsOptions = {}): DynamicModule {
    return {
      module: EventsModule,
      providers: [{ provide: EVENTS_SCHEMA, useValue: schema }, { provide: EVENTS_OPTIONS, useValue: options }, EventPublisher],
      exports: [EventPublisher],
    };
  }
}
