/**
 * The triggers service in a test process (test-only; not part of the build): a fresh database with
 * its migrations, a NATS namespace of its own with the events stream, the fake orchestrator
 * answering its commands, and the whole Nest application context on the real Postgres and NATS.
 */
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { connect, NatsConnection } from 'nats';
import { Clock, ensureEventsStream, runServiceMigrations } from '@wfp/platform';
import { createTestDatabase, createTestNamespace, removeTestNamespace, TestDatabase, testNatsUrl } from '@wfp/testing';
import { TriggersAppModule } from '../src/app.module';
import { loadTriggersConfig } from '../src/config';
import { triggersDatabase } from '../src/database/triggers-database';
import { FakeOrchestrator } from './fake-orchestrator';

export interface TriggersUnderTest {
  app: INestApplicationContext;
  nc: NatsConnection;
  orchestrator: FakeOrchestrator;
  database: TestDatabase;
  namespace: string;
  /** Closes the application, the fake orchestrator and the connection; drops the database and namespace. */
  stop(): Promise<void>;
}

/** Starts the triggers service (`env` adds or overrides its configuration; `clock` replaces the system clock). */
export async function startTriggersUnderTest(label: string, env: Record<string, string> = {}, options: { clock?: Clock } = {}): Promise<TriggersUnderTest> {
  const database = await createTestDatabase(label);
  const namespace = createTestNamespace(label);
  await runServiceMigrations(triggersDatabase(database.url));
  const nc = await connect({ servers: testNatsUrl() });
  await ensureEventsStream(await nc.jetstreamManager(), namespace);
  const orchestrator = new FakeOrchestrator(nc, namespace);
  orchestrator.start();
  const config = loadTriggersConfig({
    DATABASE_URL: database.url,
    NATS_URL: testNatsUrl(),
    NATS_NAMESPACE: namespace,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const app = await NestFactory.createApplicationContext(TriggersAppModule.forRoot(config, { clock: options.clock }), { logger: process.env.TEST_LOG_LEVEL ? undefined : false });
  app.enableShutdownHooks();
  await app.init();
  return {
    app,
    nc,
    orchestrator,
    database,
    namespace,
    async stop() {
      await app.close();
      orchestrator.stop();
      await nc.close();
      await database.drop();
      await removeTestNamespace(namespace);
    },
  };
}
