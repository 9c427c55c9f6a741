import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { runServiceMigrations } from '@wfp/platform';
import { createTestDatabase, createTestNamespace, eventually, removeTestNamespace, TestDatabase, testNatsUrl } from '@wfp/testing';
import { OrchestratorAppModule } from '../app.module';
import { loadOrchestratorConfig } from '../config';
import { orchestratorDatabase } from '../database/orchestrator-database';
import { EngineService } from './runtime/engine.service';

/**
 * Wake-ups, not polling: replica A (no workers) starts an instance whose delay ends in 400 ms;
 * replica B's workers poll only every 60 s, so only the NATS wake-up can make B finish it on time.
 */
describe('engine wake-ups across replicas (real clock)', () => {
  let database: TestDatabase;
  let namespace: string;
  const apps: INestApplicationContext[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('engine_wake');
    namespace = createTestNamespace('engine_wake');
    await runServiceMigrations(orchestratorDatabase(database.url));
    for (const workers of ['0', '2']) {
      const config = loadOrchestratorConfig({
        DATABASE_URL: database.url,
        NATS_URL: testNatsUrl(),
        NATS_NAMESPACE: namespace,
        LOG_LEVEL: 'silent',
        ORCHESTRATOR_POLL_INTERVAL_MS: '60000',
        ORCHESTRATOR_WORKER_CONCURRENCY: workers,
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

  it('a timer created by one replica is run by another at its due time', async () => {
    const [a] = apps.map((app) => app.get(EngineService));
    const workflow = await a.createWorkflow({ stages: [{ delay: { duration: '400ms' } }, { noop: {} }] });
    if (!workflow.ok) throw new Error(workflow.error.message);
    const started = await a.startInstance(workflow.data.id, {});
    if (!started.ok) throw new Error(started.error.message);
    const done = await eventually(
      async () => {
        const current = await a.getInstance(started.data.id);
        return current.ok && current.data.terminated ? current.data : undefined;
      },
      { timeoutMs: 15_000, what: 'the delay to end (woken, not polled)' },
    );
    expect(done.error).toBeUndefined();
    const due = new Date(done.status![0].startedAt).getTime() + 400;
    expect(new Date(done.status![0].terminatedAt!).getTime()).toBeGreaterThanOrEqual(due);
  }, 30_000);
});
