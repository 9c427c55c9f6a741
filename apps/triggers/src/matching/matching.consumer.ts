import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { JetStreamManager, NatsConnection } from 'nats';
import { PinoLogger } from 'nestjs-pino';
import { eventsStreamName } from '@wfp/contracts';
import { APP_CONFIG, BatchConsumer, deleteDurable, durableInfo, ensureEventsStream, EventPublisher, NATS_CONNECTION } from '@wfp/platform';
import type { TriggersConfig } from '../config';
import { TRIGGERS_SCHEMA } from '../database/schema';
import { MatcherService } from './matcher.service';
import { TriggerSetChanges } from './trigger-set-changes';
import { LEGACY_MATCHING_DURABLE, MATCHING_CONSUMER, matchedTypes, matchingSources } from './matching-sources';

export { MATCHING_CONSUMER };

/** Refreshes between two that reconcile the durables even though the trigger set did not change. */
const FULL_REFRESH_EVERY = 40;

/**
 * The JetStream consumer feeding the matcher in batches (TRIGGERS_CONSUMER_BATCH_SIZE events,
 * TRIGGERS_CONSUMER_CONCURRENCY batches at once). It reads only the event types some trigger can
 * match (and the lifecycle types flow control follows): one durable per type, since nats-server
 * 2.9 takes one filter subject per consumer (matching-sources.ts). Every
 * TRIGGERS_SOURCES_REFRESH_MS it looks whether the trigger set changed (`triggers.generation`)
 * and, if so, reads the durables of new types and deletes those of types no trigger needs.
 */
@Injectable()
export class MatchingConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: BatchConsumer;
  private generation?: string;
  private refreshTimer?: NodeJS.Timeout;
  private refreshing: Promise<void> = Promise.resolve();
  private stopped = false;
  private refreshes = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly matcher: MatcherService,
    private readonly publisher: EventPublisher,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) private readonly config: TriggersConfig,
    private readonly logger: PinoLogger,
    private readonly changes: TriggerSetChanges,
  ) {
    this.logger.setContext('matching-consumer');
  }

  async onApplicationBootstrap(): Promise<void> {
    const namespace = this.config.NATS_NAMESPACE;
    const jsm = await this.nc.jetstreamManager();
    await ensureEventsStream(jsm, namespace, this.config.NATS_STREAM_REPLICAS);
    this.consumer = new BatchConsumer({
      js: this.nc.jetstream(),
      jsm,
      nc: this.nc,
      dataSource: this.dataSource,
      schema: TRIGGERS_SCHEMA,
      stream: eventsStreamName(namespace),
      name: MATCHING_CONSUMER,
      sources: [],
      logger: this.logger.logger.child({ component: 'matching-consumer' }),
      batchSize: this.config.TRIGGERS_CONSUMER_BATCH_SIZE,
      concurrency: this.config.TRIGGERS_CONSUMER_CONCURRENCY,
      maxDeliver: this.config.TRIGGERS_CONSUMER_MAX_DELIVER,
      backoffMs: [1000, 5000, 30_000, 60_000],
      handler: (events) => this.matcher.handleBatch(events),
      afterBatch: () => this.publisher.flush(),
    });
    await this.consumer.start();
    await this.refresh(jsm);
    this.scheduleRefresh(jsm);
    this.changes.listen(() =>
      this.refresh(jsm).catch((error: unknown) => this.logger.warn({ err: error }, 'could not refresh the matching durables; the next refresh retries')),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.refreshTimer);
    await this.refreshing;
    await this.consumer?.stop();
  }

  private scheduleRefresh(jsm: JetStreamManager): void {
    if (this.stopped) return;
    this.refreshTimer = setTimeout(() => {
      this.refresh(jsm)
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not refresh the matching durables; will retry'))
        .finally(() => this.scheduleRefresh(jsm));
    }, this.config.TRIGGERS_SOURCES_REFRESH_MS);
  }

  /** One refresh at a time (the timer's and those a local trigger change asks for). */
  private refresh(jsm: JetStreamManager): Promise<void> {
    const next = this.refreshing.then(() => this.refreshOnce(jsm));
    this.refreshing = next.catch(() => undefined);
    return next;
  }

  /**
   * Reads the durables the trigger set needs, when it changed since the last refresh — and every
   * FULL_REFRESH_EVERY refreshes anyway, so that a durable deleted under a replica still reading
   * it (another replica saw its type's last trigger go as a new one came) is read again.
   */
  private async refreshOnce(jsm: JetStreamManager): Promise<void> {
    if (this.stopped) return;
    const [{ value }]: Array<{ value: string }> = await this.dataSource.query(`SELECT value FROM triggers.generation WHERE id = 1`);
    const full = ++this.refreshes % FULL_REFRESH_EVERY === 0;
    if ((String(value) === this.generation && !full) || !this.consumer) return;
    const stream = eventsStreamName(this.config.NATS_NAMESPACE);
    const types = await matchedTypes(this.dataSource);
    const legacy = await durableInfo(jsm, stream, LEGACY_MATCHING_DURABLE);
    // Triggers from before `stream_seq`: from what the catch-all durable acknowledged (or, without one, the whole stream).
    const takeOverSeq = legacy?.ack_floor.stream_seq ?? 0;
    await this.consumer.setSources(matchingSources(this.config.NATS_NAMESPACE, types, takeOverSeq), { deleteRemoved: true });
    if (types.some((t) => t.fromSeq === null)) {
      await this.dataSource.query(`UPDATE triggers.triggers SET stream_seq = $1 WHERE stream_seq IS NULL`, [takeOverSeq]);
    }
    if (legacy) {
      await deleteDurable(jsm, stream, LEGACY_MATCHING_DURABLE);
      this.logger.info({ takeOverSeq }, 'per-type matching durables took over from the catch-all durable');
    }
    this.generation = String(value);
  }
}
