import type { DataSource } from 'typeorm';
import { headers as natsHeaders, JetStreamClient } from 'nats';
import type { Logger } from 'pino';
import { EventEnvelope, eventSubject } from '@wfp/contracts';
import { quoteIdent } from '../database/service-database';

export interface OutboxRelayOptions {
  dataSource: DataSource;
  schema: string;
  js: JetStreamClient;
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
 * while the publishes are in flight; it has written nothing yet.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private lastPurge = 0;
  private readonly table: string;

  constructor(private readonly options: OutboxRelayOptions) {
    this.table = `${quoteIdent(options.schema)}.outbox`;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.nudge();
    await this.loop;
  }

  /** Wakes the relay now (called after a transaction that wrote to the outbox commits). */
  nudge(): void {
    this.wake?.();
  }

  /** Publishes one batch; returns how many rows it published. */
  async publishBatch(): Promise<number> {
    const { dataSource, js, namespace, batchSize = 256 } = this.options;
    return dataSource.transaction(async (manager) => {
      const rows: { id: string; envelope: EventEnvelope }[] = await manager.query(
        `SELECT id, envelope FROM ${this.table}
          WHERE published_at IS NULL
          ORDER BY seq
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      if (rows.length === 0) return 0;
      await Promise.all(
        rows.map(({ id, envelope }) => {
          const h = natsHeaders();
          h.set('Content-Type', 'application/json');
          return js.publish(
            eventSubject(namespace, envelope.app, envelope.version, envelope.type),
            Buffer.from(JSON.stringify(envelope)),
            { msgID: id, headers: h },
          );
        }),
      );
      const ids = rows.map((row) => row.id);
      if (this.options.deleteOnPublish) await manager.query(`DELETE FROM ${this.table} WHERE id = ANY($1::uuid[])`, [ids]);
      else await manager.query(`UPDATE ${this.table} SET published_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
      return rows.length;
    });
  }

  private async run(): Promise<void> {
    const { logger, pollIntervalMs = 250, batchSize = 256 } = this.options;
    let failures = 0;
    while (this.running) {
      let published = 0;
      try {
        published = await this.publishBatch();
        if (failures > 0) logger.info('outbox relay recovered');
        failures = 0;
        await this.purgeOldRows();
      } catch (error) {
        failures++;
        if (failures === 1 || failures % 20 === 0) logger.error({ err: error, failures }, 'outbox relay failed; retrying');
      }
      if (published === batchSize && failures === 0) continue;
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

  private async purgeOldRows(): Promise<void> {
    const { dataSource, retainPublishedMs = 24 * 60 * 60 * 1000 } = this.options;
    if (Date.now() - this.lastPurge < 60_000) return;
    this.lastPurge = Date.now();
    await dataSource.query(
      `DELETE FROM ${this.table} WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1)`,
      [retainPublishedMs / 1000],
    );
  }
}
