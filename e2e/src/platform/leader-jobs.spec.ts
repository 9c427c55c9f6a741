import pino from 'pino';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createOutboxTableSql, OutboxRelay } from '@wfp/platform';
import { createTestDatabase, TestDatabase } from '@wfp/testing';
import type { JetStreamClient } from 'nats';

const SCHEMA = 'leader_jobs';

/** Leader-only jobs run once per cluster: outbox pruning takes a Postgres advisory lock. */
describe('outbox pruning runs on one replica at a time (advisory lock)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let other: Client;

  beforeAll(async () => {
    database = await createTestDatabase('leader_jobs');
    dataSource = new DataSource({ type: 'postgres', url: database.url });
    await dataSource.initialize();
    await dataSource.query(`CREATE SCHEMA ${SCHEMA}`);
    for (const sql of createOutboxTableSql(SCHEMA)) await dataSource.query(sql);
    other = new Client({ connectionString: database.url });
    await other.connect();
  });

  afterAll(async () => {
    await other?.end();
    await dataSource?.destroy();
    await database?.drop();
  });

  const relay = () =>
    new OutboxRelay({
      dataSource,
      schema: SCHEMA,
      js: {} as JetStreamClient, // never publishes here: pruning only
      namespace: 'unused',
      logger: pino({ level: 'silent' }),
      retainPublishedMs: 1000,
    });

  async function oldPublishedRows(): Promise<number> {
    const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.outbox`);
    return n;
  }

  it('skips while another replica holds the prune lock, prunes once it is free', async () => {
    await dataSource.query(
      `INSERT INTO ${SCHEMA}.outbox (id, envelope, created_at, published_at)
       SELECT gen_random_uuid(), '{}'::jsonb, now() - interval '1 day', now() - interval '1 day' FROM generate_series(1, 5)`,
    );
    await dataSource.query(`INSERT INTO ${SCHEMA}.outbox (id, envelope) VALUES (gen_random_uuid(), '{}'::jsonb)`); // unpublished: kept

    // "Another replica" is pruning right now.
    await other.query('BEGIN');
    await other.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`outbox-prune:${SCHEMA}`]);
    expect(await relay().purgeOldRows(true)).toBe(false);
    expect(await oldPublishedRows()).toBe(6);
    await other.query('COMMIT');

    expect(await relay().purgeOldRows(true)).toBe(true);
    expect(await oldPublishedRows()).toBe(1);
  });
});
