import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { EVENTS_DUPLICATE_WINDOW_MS, InboxPruner, pruneInbox, runExclusively, runServiceMigrations } from '@wfp/platform';
import { createTestDatabase, createTestNamespace, FakeClock, removeTestNamespace, TestDatabase, testNatsUrl } from '@wfp/testing';
import { InterventionsAppModule } from '../app.module';
import { loadInterventionsConfig } from '../config';
import { interventionsDatabase } from './interventions-database';

const HOUR = 3_600_000;

/** Inbox pruning and cluster-exclusive jobs (issue 9), on real Postgres with a fake clock. */
describe('inbox pruning (real Postgres, fake clock)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let sql: Client;
  const clock = new FakeClock('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    database = await createTestDatabase('inbox');
    await runServiceMigrations(interventionsDatabase(database.url));
    dataSource = new DataSource({ type: 'postgres', url: database.url });
    await dataSource.initialize();
    sql = new Client({ connectionString: database.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await dataSource?.destroy();
    await database?.drop();
  });

  async function fill(agesMs: number[]): Promise<void> {
    await sql.query('DELETE FROM interventions.inbox');
    for (const [index, age] of agesMs.entries()) {
      await sql.query(`INSERT INTO interventions.inbox (consumer, event_id, processed_at) VALUES ('c', $1, $2)`, [
        `e${index}`,
        new Date(clock.now().getTime() - age),
      ]);
    }
  }

  const remaining = async () =>
    (await sql.query(`SELECT event_id FROM interventions.inbox ORDER BY event_id`)).rows.map((r) => r.event_id as string);

  it('has an index on processed_at for the batched delete', async () => {
    const { rows } = await sql.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'interventions' AND indexname = 'inbox_processed_at_idx'`);
    expect(rows[0].indexdef).toContain('(processed_at)');
  });

  it('deletes rows older than the retention, in batches, and keeps the newer ones', async () => {
    await fill([100 * HOUR, 49 * HOUR, 48 * HOUR + 1, 48 * HOUR + 2, 48 * HOUR + 3, 47 * HOUR, HOUR, 0]);
    expect(await pruneInbox({ dataSource, schema: 'interventions', clock, retentionMs: 48 * HOUR, batchSize: 2 })).toBe(5);
    expect(await remaining()).toEqual(['e5', 'e6', 'e7']);
    expect(await pruneInbox({ dataSource, schema: 'interventions', clock, retentionMs: 48 * HOUR, batchSize: 2 })).toBe(0);
  });

  it('follows the injected clock', async () => {
    await fill([HOUR, 0]);
    expect(await pruneInbox({ dataSource, schema: 'interventions', clock, retentionMs: 2 * HOUR })).toBe(0);
    clock.advance(2 * HOUR);
    expect(await pruneInbox({ dataSource, schema: 'interventions', clock, retentionMs: 2 * HOUR })).toBe(1);
    expect(await remaining()).toEqual(['e1']);
  });

  it('never keeps less than the JetStream duplicate window', async () => {
    await fill([EVENTS_DUPLICATE_WINDOW_MS + 1000, EVENTS_DUPLICATE_WINDOW_MS - 1000, 0]);
    expect(await pruneInbox({ dataSource, schema: 'interventions', clock, retentionMs: 1 })).toBe(1);
    expect(await remaining()).toEqual(['e1', 'e2']);
  });

  it('runExclusively: runs once per cluster — skips while another connection holds the lock', async () => {
    const other = new Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query(`SELECT pg_advisory_lock(hashtextextended('job-x', 0))`);
      let ran = 0;
      expect(await runExclusively(dataSource, 'job-x', async () => ++ran)).toEqual({ ran: false });
      expect(await runExclusively(dataSource, 'job-y', async () => ++ran)).toEqual({ ran: true, value: 1 });
      await other.query(`SELECT pg_advisory_unlock(hashtextextended('job-x', 0))`);
      const nested = await runExclusively(dataSource, 'job-x', async () => runExclusively(dataSource, 'job-x', async () => ++ran));
      expect(nested).toEqual({ ran: true, value: { ran: false } });
      expect(await runExclusively(dataSource, 'job-x', async () => ++ran)).toEqual({ ran: true, value: 2 });
      await expect(runExclusively(dataSource, 'job-x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(await runExclusively(dataSource, 'job-x', async () => ++ran)).toEqual({ ran: true, value: 3 });
    } finally {
      await other.end();
    }
  });

  it('is wired into the service: the pruner uses INBOX_RETENTION_HOURS and the advisory lock', async () => {
    const namespace = createTestNamespace('inbox');
    const config = loadInterventionsConfig({
      DATABASE_URL: database.url,
      NATS_URL: testNatsUrl(),
      NATS_NAMESPACE: namespace,
      LOG_LEVEL: 'silent',
      INBOX_RETENTION_HOURS: '24',
      INBOX_PRUNE_INTERVAL_MS: '3600000',
    });
    let app: INestApplicationContext | undefined;
    try {
      app = await NestFactory.createApplicationContext(InterventionsAppModule.forRoot(config, { clock }), { logger: false });
      await app.init();
      const pruner = app.get(InboxPruner);
      await pruner.firstPass;
      await fill([25 * HOUR, 23 * HOUR]);
      const other = new Client({ connectionString: database.url });
      await other.connect();
      await other.query(`SELECT pg_advisory_lock(hashtextextended('inbox-prune:interventions', 0))`);
      expect(await pruner.pruneOnce()).toBeUndefined(); // another replica is pruning
      await other.end(); // its session ends: the lock is released
      expect(await pruner.pruneOnce()).toBe(1);
      expect(await remaining()).toEqual(['e1']);
    } finally {
      await app?.close();
      await removeTestNamespace(namespace);
    }
  });
});
