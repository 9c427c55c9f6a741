import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { NatsConnection } from 'nats';
import { PinoLogger } from 'nestjs-pino';
import { eventsStreamName, eventsSubjectRoot } from '@wfp/contracts';
import { APP_CONFIG, DurableConsumer, ensureEventsStream, EventPublisher, NATS_CONNECTION } from '@wfp/platform';
import type { TriggersConfig } from '../config';
import { TRIGGERS_SCHEMA } from '../database/schema';
import { MatcherService } from './matcher.service';

export const MATCHING_CONSUMER = 'triggers-matching';

/** The durable JetStream consumer of every domain event (`<namespace>.events.>`) feeding the matcher. */
@Injectable()
export class MatchingConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: DurableConsumer;

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
    this.consumer = new DurableConsumer({
      js: this.nc.jetstream(),
      jsm,
      dataSource: this.dataSource,
      schema: TRIGGERS_SCHEMA,
      stream: eventsStreamName(namespace),
      name: MATCHING_CONSUMER,
      filterSubject: `${eventsSubjectRoot(namespace)}.>`,
      logger: this.logger.logger.child({ component: 'matching-consumer' }),
      concurrency: this.config.TRIGGERS_CONSUMER_CONCURRENCY,
      maxDeliver: this.config.TRIGGERS_CONSUMER_MAX_DELIVER,
      backoffMs: [1000, 5000, 30_000, 60_000],
      shouldHandle: (envelope) => this.matcher.hasCandidates(envelope),
      handler: (envelope, manager) => this.matcher.handle(envelope, manager),
      afterCommit: () => this.publisher.flush(),
    });
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
