import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { NatsConnection } from 'nats';
import { PinoLogger } from 'nestjs-pino';
import { eventsStreamName, eventsSubjectRoot } from '@wfp/contracts';
import { APP_CONFIG, BatchConsumer, ensureEventsStream, EventPublisher, NATS_CONNECTION } from '@wfp/platform';
import type { TriggersConfig } from '../config';
import { TRIGGERS_SCHEMA } from '../database/schema';
import { MATCHING_CONSUMER, MatcherService } from './matcher.service';

export { MATCHING_CONSUMER };

/**
 * The durable JetStream pull consumer of every domain event (`<namespace>.events.>`) feeding the
 * matcher in batches (TRIGGERS_CONSUMER_BATCH_SIZE events, TRIGGERS_CONSUMER_CONCURRENCY
 * batches at once).
 */
@Injectable()
export class MatchingConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: BatchConsumer;

  constructor(
    private readonly dataSource: DataSource,
    private readonly matcher: MatcherService,
    private readonly publisher: EventPublisher,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) private readonly config: TriggersConfig,
    private readonly logger: PinoLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const namespace = this.config.NATS_NAMESPACE;
    const jsm = await this.nc.jetstreamManager();
    await ensureEventsStream(jsm, namespace, this.config.NATS_STREAM_REPLICAS);
    this.consumer = new BatchConsumer({
      js: this.nc.jetstream(),
      jsm,
      dataSource: this.dataSource,
      schema: TRIGGERS_SCHEMA,
      stream: eventsStreamName(namespace),
      name: MATCHING_CONSUMER,
      filterSubject: `${eventsSubjectRoot(namespace)}.>`,
      logger: this.logger.logger.child({ component: 'matching-consumer' }),
      batchSize: this.config.TRIGGERS_CONSUMER_BATCH_SIZE,
      concurrency: this.config.TRIGGERS_CONSUMER_CONCURRENCY,
      maxDeliver: this.config.TRIGGERS_CONSUMER_MAX_DELIVER,
      backoffMs: [1000, 5000, 30_000, 60_000],
      handler: (events) => this.matcher.handleBatch(events),
      afterBatch: () => this.publisher.flush(),
    });
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
