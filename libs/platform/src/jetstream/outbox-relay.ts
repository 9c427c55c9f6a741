import type { DataSource } from 'typeorm';
import { headers as natsHeaders, JetStreamClient, NatsConnection } from 'nats';
import { PipelinedPublisher } from './pipelined-publisher';
import type { Logger } from 'pino';
import { eventSubject } from '@wfp/contracts';
import { quoteIdent } from '../database/service-database';
import { gauges, metrics } from '../observability/metrics';

export interface OutboxRelayOptions {
  dataSource: DataSource;
  schema: string;
  js: JetStreamClient;
  /** With a connection, batches are published pipelined (PipelinedPublisher) instead of one `js.publish` each. */
  nc?: NatsConnection;
  namespace: string;
  logger: Logger;
  batchSize?: number;
  pollIntervalMs?: number;
  /** Published rows older than this are deleted (the stream is the log). */
  retainPublishedMs?: number;
  /**
   * Delete rows as soon as their PubAck arrived (one batch DELETE) instead of marking them
   * published: no dead tuples to purge later, no table growing with history. JetStream's
   * duplicate window (Nats-Msg-Id) still absorbs a re-publish after a crash.
   */
  deleteOnPublish?: boolean;
}

/**
 * Publishes a service's outbox to JetStream: claims unpublished rows with
 * `FOR UPDATE SKIP LOCKED` (so replicas share the work), publishes the whole batch pipelined
 * (every publish sent before the first PubAck is awaited) with `Nats-Msg-Id = outbox id`
 * (broker-side dedupe of a retry), waits for every PubAck and only then marks them published —
 * or deletes them, with `deleteOnPublish` — in one statement of the same transaction. A crash in
 * between re-publishes, never loses. The transaction holds only the rows' locks (the claim)
 * while the publishes are in flight; it has written nothing yet. A row whose envelope is an
 * array (one state change's several events, in order) publishes each element, `Nats-Msg-Id` =
 * the element's id.
 */
/** One event to publish, as the claim query returns it. */
interface OutboxMessage {
  row_id: string;
  id: string;
  app: string;
  version: string;
  type: string;
  data: string;
  /** The W3C traceparent kept on the outbox row (null with tracing off). */
  traceparent: string | null;
  /** Seconds since the row was written (relay lag). */
  age: number;
}

export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private nudged = false;
  private lastPurge = 0;
  private readonly table: string;
  private readonly pipelined?: PipelinedPublisher;
  private readonly encoder = new TextEncoder();
  private unobserve?: () => void;

  constructor(private readonly options: OutboxRelayOptions) {
    this.table = `${quoteIdent(options.schema)}.outbox`;
    if (options.nc) this.pipelined = new PipelinedPublisher(options.nc);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    // Backlog and the oldest row's age, read when /metrics is scraped (the partial index keeps it cheap).
    const schema = this.options.schema;
    const backlog = async () =>
      ((await this.options.dataSource.query(
        `SELECT count(*)::int AS n, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS age
           FROM ${this.table} WHERE published_at IS NULL`,
      )) as Array<{ n: number; age: number }>)[0];
    const removers = [
      gauges.outboxBacklog.add(async () => [{ labels: { schema }, value: (await backlog()).n }]),
      gauges.outboxOldestAge.add(async () => [{ labels: { schema }, value: (await backlog()).age }]),
    ];
    this.unobserve = () => removers.forEach((remove) => remove());
  }

  async stop(): Promise<void> {
    this.unobserve?.();
    this.running = false;
    this.nudge();
    await this.loop;
    this.pipelined?.close();
  }

  /**
   * Wakes the relay now (called after a transaction that wrote to the outbox commits). A nudge
   * while a batch is being published is remembered: the relay goes again right after it.
   */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Publishes one batch; returns how many rows it published. */
  async publishBatch(): Promise<number> {
    const { dataSource, batchSize = 256, deleteOnPublish } = this.options;
    return dataSource.transaction(async (manager) => {
      // The claim walks the unpublished-rows index in order (an index scan, not a bitmap scan): an
      // index scan marks the entries of rows published (deleted or updated) since the last vacuum
      // as dead as it passes them, so the next claims skip them; a bitmap scan never does, and
      // every claim re-read every row published since the last autovacuum (up to a minute of
      // them): 0.7 → 5 ms per claim over a 20-s burst at 500 events/s (docs/benchmarks.md).
      await manager.query(`SET LOCAL enable_bitmapscan = off`);
      // With deleteOnPublish the claim IS the delete (rolled back if a publish fails): one round trip less.
      const claim = deleteOnPublish
        ? `DELETE FROM ${this.table} WHERE seq = ANY(ARRAY(
             SELECT seq FROM ${this.table} WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED))
           RETURNING seq, id, envelope, traceparent, created_at`
        : `SELECT seq, id, envelope, traceparent, created_at FROM ${this.table} WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`;
      // One message per event, in outbox order; Postgres splits array rows and renders the JSON.
      const result: unknown = await manager.query(
        `WITH claimed AS (${claim})
         SELECT c.id AS row_id, coalesce(e.value->>'id', c.id::text) AS id, e.value->>'app' AS app,
                e.value->>'version' AS version, e.value->>'type' AS type, e.value::text AS data,
                c.traceparent, extract(epoch FROM clock_timestamp() - c.created_at)::float8 AS age
           FROM claimed c
          CROSS JOIN LATERAL jsonb_array_elements(
                CASE jsonb_typeof(c.envelope) WHEN 'array' THEN c.envelope ELSE jsonb_build_array(c.envelope) END
              ) WITH ORDINALITY AS e(value, n)
          ORDER BY c.seq, e.n`,
        [batchSize],
      );
      const events = result as OutboxMessage[];
      if (events.length === 0) return 0;
      await this.publish(events);
      const rowIds = [...new Set(events.map((event) => event.row_id))];
      if (!deleteOnPublish) await manager.query(`UPDATE ${this.table} SET published_at = now() WHERE id = ANY($1::uuid[])`, [rowIds]);
      const labels = { schema: this.options.schema };
      metrics.outboxPublished.inc(labels, events.length);
      for (const event of events) if (Number.isFinite(event.age)) metrics.outboxRelayLag.observe(labels, Math.max(0, event.age));
      return rowIds.length;
    });
  }

  private async publish(events: readonly OutboxMessage[]): Promise<void> {
    const { js, namespace } = this.options;
    if (this.pipelined) {
      await this.pipelined.publishAll(
        events.map((event) => ({
          subject: eventSubject(namespace, event.app, event.version, event.type),
          data: this.encoder.encode(event.data),
          msgId: event.id,
          traceparent: event.traceparent ?? undefined,
        })),
      );
      return;
    }
    await Promise.all(
      events.map((event) => {
        const h = natsHeaders();
        h.set('Content-Type', 'application/json');
        // The trace of the transaction that wrote the event continues in its consumers.
        if (event.traceparent) h.set('traceparent', event.traceparent);
        return js.publish(eventSubject(namespace, event.app, event.version, event.type), this.encoder.encode(event.data), {
          msgID: event.id,
          headers: h,
        });
      }),
    );
  }

  private async run(): Promise<void> {
    const { logger, pollIntervalMs = 250, batchSize = 256 } = this.options;
    let failures = 0;
    while (this.running) {
      let published = 0;
      this.nudged = false;
      try {
        published = await this.publishBatch();
        if (failures > 0) logger.info('outbox relay recovered');
        failures = 0;
        await this.purgeOldRows();
      } catch (error) {
        failures++;
        if (failures === 1 || failures % 20 === 0) logger.error({ err: error, failures }, 'outbox relay failed; retrying');
      }
      if ((published === batchSize || this.nudged) && failures === 0) continue;
      const delay = failures > 0 ? Math.min(5000, pollIntervalMs * 2 ** Math.min(failures, 5)) : pollIntervalMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /**
   * Deletes published rows past the retention, once per cluster: the replica that gets the
   * transaction-scoped advisory lock `outbox-prune:<schema>` does it, the others skip this round.
   * Returns whether this replica pruned.
   */
  async purgeOldRows(force = false): Promise<boolean> {
    const { dataSource, schema, retainPublishedMs = 24 * 60 * 60 * 1000 } = this.options;
    if (!force && Date.now() - this.lastPurge < 60_000) return false;
    this.lastPurge = Date.now();
    return dataSource.transaction(async (manager) => {
      const [{ locked }]: Array<{ locked: boolean }> = await manager.query(
        `SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`,
        [`outbox-prune:${schema}`],
      );
      if (!locked) return false;
      await manager.query(
        `DELETE FROM ${this.table} WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1)`,
        [retainPublishedMs / 1000],
      );
      return true;
    });
  }
}
