import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { runServiceMigrations } from '@wfp/platform';
import { createTestDatabase, createTestNamespace, eventually, removeTestNamespace, TestDatabase, testNatsUrl } from '@wfp/testing';
import { OrchestratorAppModule } from '../app.module';
import { loadOrchestratorConfig } from '../config';
import { orchestratorDatabase } from '../database/orchestrator-database';
import { EngineService } from './engine.service';

describe('two orchestrator engines on one database', () => {
  let database: TestDatabase;
  let namespace: string;
  const apps: INestApplicationContext[] = [];

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
      });
      const app = await NestFactory.createApplicationContext(OrchestratorAppModule.forRoot(config), { logger: false });
      await app.init();
      apps.push(app);
    }
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await database?.drop();
    await removeTestNamespace(namespace);
  });

  it('execute every stage exactly once', async () => {
    const [a, b] = apps.map((app) => app.get(EngineService));
    const created = await a.createWorkflow({ stages: [{ noop: {} }, { delay: { duration: '0s' } }, { noop: {} }] });
    if (!created.ok) throw new Error(created.error.message);
    const count = 60;
    await Promise.all(
      Array.from({ length: count }, (_, i) => (i % 2 ? a : b).startInstance(created.data.id, {})),
    );
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      await eventually(
        async () => {
          const { rows } = await client.query('SELECT count(*)::int AS n FROM orchestrator.instances WHERE terminated');
          return rows[0].n === count;
        },
        { timeoutMs: 20_000, what: 'all instances to terminate' },
      );
      const { rows } = await client.query<{ type: string; n: number }>(
        `SELECT envelope->>'type' AS type, count(*)::int AS n FROM orchestrator.outbox GROUP BY 1 ORDER BY 1`,
      );
      expect(Object.fromEntries(rows.map((r) => [r.type, r.n]))).toEqual({
        STARTED_WORKFLOW: count,
        STARTED_WORKFLOW_STAGE: count * 3,
        SUCCEEDED_WORKFLOW_STAGE: count * 3,
        SUCCEEDED_WORKFLOW: count,
      });
      const failed = await client.query(`SELECT count(*)::int AS n FROM orchestrator.instances WHERE error IS NOT NULL`);
      expect(failed.rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  });
});
