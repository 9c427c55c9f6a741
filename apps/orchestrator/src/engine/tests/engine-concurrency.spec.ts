import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { connect, NatsConnection } from 'nats';
import { Client } from 'pg';
import { eventsStreamName, eventSubject } from '@wfp/contracts';
import { runServiceMigrations } from '@wfp/platform';
import { createTestDatabase, createTestNamespace, eventually, FakeClock, removeTestNamespace, TestDatabase, testNatsUrl } from '@wfp/testing';
import { OrchestratorAppModule } from '../../app.module';
import { loadOrchestratorConfig } from '../../config';
import { orchestratorDatabase } from '../../database/orchestrator-database';
import { EngineService } from '../runtime/engine.service';

/**
 * Two engines (separate Nest apps, separate pools: what two replicas are) on one database,
 * batched claims (`ORCHESTRATOR_CLAIM_BATCH` 8, 4 loops each): every stage runs exactly once and
 * every lifecycle event reaches JetStream exactly once.
 */
describe('two orchestrator engines on one database (batched claims)', () => {
  let database: TestDatabase;
  let namespace: string;
  const apps: INestApplicationContext[] = [];
  const clock = new FakeClock('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    database = await createTestDatabase('engine_two');
    namespace = createTestNamespace('engine_two');
    await runServiceMigrations(orchestratorDatabase(database.url));
    for (let i = 0; i < 2; i++) {
      const config = loadOrchestratorConfig({
        DATABASE_URL: database.url,
        NATS_URL: testNatsUrl(),
        NATS_NAMESPACE: namespace,
        LOG_LEVEL: 'silent',
        ORCHESTRATOR_POLL_INTERVAL_MS: '10',
        ORCHESTRATOR_WORKER_CONCURRENCY: '4',
        ORCHESTRATOR_CLAIM_BATCH: '8',
        ORCHESTRATOR_DB_POOL_SIZE: '6',
      });
      const app = await NestFactory.createApplicationContext(OrchestratorAppModule.forRoot(config, { clock }), { logger: false });
      await app.init();
      apps.push(app);
    }
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await database?.drop();
    await removeTestNamespace(namespace);
  });

  it('execute every stage exactly once and publish every lifecycle event exactly once', async () => {
    const engines = apps.map((app) => app.get(EngineService));
    const claimedBy = [0, 0];
    engines.forEach((engine, i) => {
      const advanceDue = engine.advanceDue.bind(engine);
      engine.advanceDue = async (limit) => {
        const claimed = await advanceDue(limit);
        claimedBy[i] += claimed;
        return claimed;
      };
    });
    const created = await engines[0].createWorkflow({
      stages: [{ noop: {} }, { delay: { duration: '1m' } }, { noop: {} }, { delay: { duration: '1m' } }, { noop: {} }],
    });
    if (!created.ok) throw new Error(created.error.message);
    const count = 120;
    const started = await Promise.all(
      Array.from({ length: count }, (_, i) => engines[i % 2].startInstance(created.data.id, {})),
    );
    const ids = new Set(started.map((reply) => (reply.ok ? reply.data.id : 'failed')));
    expect(ids.size).toBe(count);

    const client = new Client({ connectionString: database.url });
    await client.connect();
    const nc: NatsConnection = await connect({ servers: testNatsUrl() });
    try {
      const terminatedCount = async () =>
        (await client.query('SELECT count(*)::int AS n FROM orchestrator.instances WHERE terminated')).rows[0].n as number;
      const sleeping = async () =>
        (await client.query(`SELECT count(*)::int AS n FROM orchestrator.timers WHERE action = 'resume'`)).rows[0].n as number;
      expect(await sleeping()).toBe(count);
      clock.advance(60_000); // every first delay is due at once: both engines claim batches of it
      await eventually(async () => (await client.query(`SELECT count(*)::int AS n FROM orchestrator.stage_runs WHERE stage = 3`)).rows[0].n === count, {
        timeoutMs: 30_000,
        what: 'every instance in its second delay',
      });
      clock.advance(60_000);
      await eventually(async () => (await terminatedCount()) === count, { timeoutMs: 30_000, what: 'all instances to terminate' });

      const runs = await client.query<{ n: number; bad: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE status <> 'succeeded' OR terminated_at IS NULL)::int AS bad FROM orchestrator.stage_runs`,
      );
      expect(runs.rows[0]).toEqual({ n: count * 5, bad: 0 });
      const failed = await client.query(`SELECT count(*)::int AS n FROM orchestrator.instances WHERE error IS NOT NULL`);
      expect(failed.rows[0].n).toBe(0);
      expect(claimedBy[0] + claimedBy[1]).toBe(count * 2);

      // Every lifecycle event on the stream exactly once per (instance, type, stage).
      const expected = count * 12;
      const js = nc.jetstream();
      const events = await eventually(async () => {
        const consumer = await js.consumers.get(eventsStreamName(namespace), {
          filterSubjects: eventSubject(namespace, 'orchestration', 'v2', '>'),
        });
        const seen: Array<{ type: string; payload: { instanceID: string; number?: number } }> = [];
        const batch = await consumer.fetch({ max_messages: expected + 100, expires: 2000 });
        for await (const message of batch) {
          seen.push(message.json());
          if (seen.length >= expected) break;
        }
        return seen.length >= expected ? seen : undefined;
      }, { timeoutMs: 30_000, what: 'every lifecycle event on the stream' });
      const keys = events.map((e) => `${e.payload.instanceID}/${e.type}/${e.payload.number ?? ''}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(events.every((e) => ids.has(e.payload.instanceID))).toBe(true);
      const byType: Record<string, number> = {};
      for (const e of events) byType[e.type] = (byType[e.type] ?? 0) + 1;
      expect(byType).toEqual({
        STARTED_WORKFLOW: count,
        STARTED_WORKFLOW_STAGE: count * 5,
        SUCCEEDED_WORKFLOW_STAGE: count * 5,
        SUCCEEDED_WORKFLOW: count,
      });
      await eventually(async () => (await client.query(`SELECT count(*)::int AS n FROM orchestrator.outbox`)).rows[0].n === 0, {
        what: 'the relay to delete published rows',
      });
    } finally {
      await nc.close();
      await client.end();
    }
  }, 120_000);
});
