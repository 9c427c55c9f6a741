/**
 * The orchestrator in a test process (test-only; not part of the build): a fresh database with the
 * orchestrator's migrations, a NATS namespace of its own, and the whole Nest application context
 * on the real local Postgres and NATS — the engine as the service runs it.
 */
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { runServiceMigrations } from '@wfp/platform';
import { createTestDatabase, createTestNamespace, FakeClock, removeTestNamespace, TestDatabase, testNatsUrl } from '@wfp/testing';
import { OrchestratorAppModule } from '../src/app.module';
import { loadOrchestratorConfig } from '../src/config';
import { orchestratorDatabase } from '../src/database/orchestrator-database';
import { EngineService } from '../src/engine/runtime/engine.service';
import type { StageKind } from '../src/engine/core/stage-kind';

export interface EngineUnderTest {
  app: INestApplicationContext;
  engine: EngineService;
  database: TestDatabase;
  namespace: string;
  /**
   * Closes the application and starts a new one on the same database and namespace (a restart);
   * `whileDown` runs in between.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  /** Closes the application, drops the database and removes the namespace. */
  stop(): Promise<void>;
}

/** Starts the orchestrator (`env` adds or overrides its configuration; `clock` injects time; `stageKinds` registers test kinds). */
export async function startEngineUnderTest(label: string, options: { env?: Record<string, string>; clock?: FakeClock; stageKinds?: readonly StageKind[] } = {}): Promise<EngineUnderTest> {
  const database = await createTestDatabase(label);
  const namespace = createTestNamespace(label);
  await runServiceMigrations(orchestratorDatabase(database.url));
  const config = loadOrchestratorConfig({
    DATABASE_URL: database.url,
    NATS_URL: testNatsUrl(),
    NATS_NAMESPACE: namespace,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ORCHESTRATOR_POLL_INTERVAL_MS: '20',
    ...options.env,
  });
  const boot = async () => {
    const app = await NestFactory.createApplicationContext(
      OrchestratorAppModule.forRoot(config, { clock: options.clock, stageKinds: options.stageKinds }),
      { logger: process.env.TEST_LOG_LEVEL ? undefined : false },
    );
    app.enableShutdownHooks();
    await app.init();
    return app;
  };
  const under: EngineUnderTest = {
    app: await boot(),
    engine: undefined as unknown as EngineService,
    database,
    namespace,
    async restart(whileDown) {
      await under.app.close();
      await whileDown?.();
      under.app = await boot();
      under.engine = under.app.get(EngineService);
    },
    async stop() {
      await under.app.close();
      await database.drop();
      await removeTestNamespace(namespace);
    },
  };
  under.engine = under.app.get(EngineService);
  return under;
}
