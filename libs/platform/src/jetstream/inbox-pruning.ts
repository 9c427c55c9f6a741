import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PinoLogger } from 'nestjs-pino';
import { APP_CONFIG } from '../bootstrap/service-platform.module';
import { Clock, CLOCK } from '../clock/clock';
import { intFromEnv } from '../config/env';
import { quoteIdent } from '../database/service-database';
import { runExclusively } from '../database/run-exclusively';
import { EVENTS_DUPLICATE_WINDOW_MS } from './events-stream';

/**
 * Inbox pruning: a consumer's `inbox` keeps `(consumer, event id)` of every applied event so a
 * redelivered or re-published event is a no-op. Rows older than the retention are deleted in
 * batches (index `inbox_processed_at_idx`), periodically, by one process of the cluster at a time
 * (advisory lock `inbox-prune:<schema>`).
 *
 * Retention: never less than the JetStream duplicate window ({@link EVENTS_DUPLICATE_WINDOW_MS});
 * the default, 8 days (`INBOX_RETENTION_HOURS=192`), outlives the events stream's `max_age`
 * (7 days), so any message JetStream can still deliver or redeliver finds its inbox row.
 */

export const INBOX_PRUNE_BATCH_SIZE = 5000;

/** Variables of a service that consumes events (spread into its config schema). */
export const inboxPruningEnvShape = {
  /** How long consumers' inbox rows are kept (hours; default 8 days, beyond the stream's 7-day max age). */
  INBOX_RETENTION_HOURS: intFromEnv(1, 24 * 365).default(192),
  /** How often the inbox is pruned (ms; default 10 minutes). */
  INBOX_PRUNE_INTERVAL_MS: intFromEnv(1000, 24 * 3_600_000).default(600_000),
};

export interface InboxPruningConfig {
  INBOX_RETENTION_HOURS: number;
  INBOX_PRUNE_INTERVAL_MS: number;
}

export interface PruneInboxOptions {
  dataSource: DataSource;
  schema: string;
  clock: Clock;
  /** Keep rows newer than this (clamped up to the JetStream duplicate window). */
  retentionMs: number;
  batchSize?: number;
}

/** Effective retention: at least the JetStream duplicate window. */
export function inboxRetentionMs(requestedMs: number): number {
  return Math.max(requestedMs, EVENTS_DUPLICATE_WINDOW_MS);
}

/** Deletes inbox rows processed before `now - retention`, batch by batch; returns how many. */
export async function pruneInbox(options: PruneInboxOptions): Promise<number> {
  const { dataSource, schema, clock, batchSize = INBOX_PRUNE_BATCH_SIZE } = options;
  const cutoff = new Date(clock.now().getTime() - inboxRetentionMs(options.retentionMs));
  const s = quoteIdent(schema);
  let total = 0;
  for (;;) {
    const rows: { n: number }[] = await dataSource.query(
      `WITH old AS (
         SELECT consumer, event_id FROM ${s}.inbox WHERE processed_at < $1 ORDER BY processed_at LIMIT $2
       ), gone AS (
         DELETE FROM ${s}.inbox i USING old WHERE i.consumer = old.consumer AND i.event_id = old.event_id RETURNING 1
       )
       SELECT count(*)::int AS n FROM gone`,
      [cutoff, batchSize],
    );
    const n = rows[0]?.n ?? 0;
    total += n;
    if (n < batchSize) return total;
  }
}

/** The index the batched delete walks (for a service's migration). */
export function createInboxPruneIndexSql(schema: string): string[] {
  return [`CREATE INDEX IF NOT EXISTS inbox_processed_at_idx ON ${quoteIdent(schema)}.inbox (processed_at)`];
}

export const INBOX_SCHEMA = Symbol('INBOX_SCHEMA');

/** Runs {@link pruneInbox} at start and every `INBOX_PRUNE_INTERVAL_MS`, once per cluster. */
@Injectable()
export class InboxPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private firstPassDone!: () => void;
  /** Settles when the start-up pass has finished (whatever its outcome). */
  readonly firstPass = new Promise<void>((resolve) => (this.firstPassDone = resolve));

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: InboxPruningConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(INBOX_SCHEMA) private readonly schema: string,
    private readonly logger: PinoLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass, if no other process of the cluster is pruning this schema; the rows deleted or undefined. */
  async pruneOnce(): Promise<number | undefined> {
    const result = await runExclusively(this.dataSource, `inbox-prune:${this.schema}`, () =>
      pruneInbox({
        dataSource: this.dataSource,
        schema: this.schema,
        clock: this.clock,
        retentionMs: this.config.INBOX_RETENTION_HOURS * 3_600_000,
      }),
    );
    return result.ran ? result.value : undefined;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pruneOnce()
        .then((deleted) => {
          if (deleted) this.logger.logger.info({ component: 'inbox-pruner', deleted }, 'pruned inbox');
        })
        .catch((error) => this.logger.logger.warn({ component: 'inbox-pruner', err: error }, 'inbox pruning failed; will retry'))
        .finally(() => {
          this.firstPassDone();
          this.schedule(this.config.INBOX_PRUNE_INTERVAL_MS);
        });
    }, delayMs);
    this.timer.unref();
  }
}

/** Inbox pruning for a service whose `inbox` table lives in `schema`. */
@Module({})
export class InboxPruningModule {
  static forService(schema: string): DynamicModule {
    return {
      module: InboxPruningModule,
      providers: [{ provide: INBOX_SCHEMA, useValue: schema }, InboxPruner],
      exports: [InboxPruner],
    };
  }
}
