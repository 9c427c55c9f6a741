/**
 * The triggers service in a test process (test-only; not part of the build): a fresh database with
 * its migrations, a NATS namespace of its own with the events stream, the fake orchestrator
 * answering its commands, and the whole Nest application context on the real Postgres and NATS.
 */
import { randomUUID } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { connect, NatsConnection, StringCodec } from 'nats';
import { EventEnvelope, eventSubject } from '@wfp/contracts';
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
  /** Another replica of the service on the same database and namespace (closed by `stop` too). */
  startReplica(options?: { clock?: Clock }): Promise<INestApplicationContext>;
  /** Publishes a new event (dated by the injected clock, else now) to the namespace's stream. */
  publish(type: string, payload: Record<string, unknown>, app?: string, version?: string): Promise<EventEnvelope>;
  /** What the orchestrator publishes when one of the fake orchestrator's instances ends (any end frees its slots). */
  endInstance(instanceId: string, failed?: boolean): Promise<void>;
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
  const startApp = async (clock?: Clock) => {
    const started = await NestFactory.createApplicationContext(TriggersAppModule.forRoot(config, { clock }), { logger: process.env.TEST_LOG_LEVEL ? undefined : false });
    started.enableShutdownHooks();
    await started.init();
    return started;
  };
  const app = await startApp(options.clock);
  const replicas: INestApplicationContext[] = [];
  const sc = StringCodec();
  const publish = async (type: string, payload: Record<string, unknown>, app = 'tests', version = 'v1'): Promise<EventEnvelope> => {
    const date = (options.clock?.now() ?? new Date()).toISOString();
    const envelope: EventEnvelope = { id: randomUUID(), idempotency_key: randomUUID(), date, app, version, type, payload };
    await nc.jetstream().publish(eventSubject(namespace, app, version, type), sc.encode(JSON.stringify(envelope)), { msgID: envelope.id });
    return envelope;
  };
  return {
    app,
    nc,
    orchestrator,
    database,
    namespace,
    publish,
    async endInstance(instanceId, failed = false) {
      const instance = orchestrator.instances.get(instanceId)!;
      instance.terminated = true;
      const payload = { id: instance.workflowID, instanceID: instanceId, ...(failed ? { error: 'boom' } : {}) };
      await publish(failed ? 'FAILED_WORKFLOW' : 'SUCCEEDED_WORKFLOW', payload, 'orchestration', 'v2');
    },
    async startReplica(replicaOptions = {}) {
      const replica = await startApp(replicaOptions.clock ?? options.clock);
      replicas.push(replica);
      return replica;
    },
    async stop() {
      for (const replica of replicas) await replica.close().catch(() => undefined);
      await app.close();
      orchestrator.stop();
      await nc.close();
      await database.drop();
      await removeTestNamespace(namespace);
    },
  };
}
