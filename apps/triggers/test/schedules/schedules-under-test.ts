/**
 * The triggers service with its schedules on real Postgres and NATS, for the schedules'
 * integration tests (test-only): a fresh database and namespace, the simulated orchestrator, a
 * FakeClock the service reads its time from, and the due loop stopped so the test drives each
 * pass (`runDue`). `replica()` starts another application context on the same database,
 * namespace and clock (a second replica).
 */
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { connect, NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { ensureEventsStream, runServiceMigrations } from '@wfp/platform';
import { eventsStreamName } from '@wfp/contracts';
import { createTestDatabase, createTestNamespace, eventually, FakeClock, removeTestNamespace, TestDatabase, testNatsUrl } from '@wfp/testing';
import { TriggersAppModule } from '../../src/app.module';
import { loadTriggersConfig } from '../../src/config';
import { triggersDatabase } from '../../src/database/triggers-database';
import { ScheduleDueLoop } from '../../src/schedules/schedule-due-loop';
import { SchedulesService } from '../../src/schedules/schedules.service';
import { INSTANCE_ENDS_DURABLES } from '../../src/schedules/instance-ends.consumer';
import { SimulatedOrchestrator } from './simulated-orchestrator';

export interface SchedulesReplica {
  app: INestApplicationContext;
  schedules: SchedulesService;
  loop: ScheduleDueLoop;
}

export interface SchedulesUnderTest extends SchedulesReplica {
  clock: FakeClock;
  nc: NatsConnection;
  orchestrator: SimulatedOrchestrator;
  database: TestDatabase;
  db: DataSource;
  namespace: string;
  replica(): Promise<SchedulesReplica>;
  /** Waits until the consumer of instance ends has applied every event the orchestrator published (and holds no lock). */
  endsApplied(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSchedulesUnderTest(label: string, start = '2026-01-01T00:00:00Z', env: Record<string, string> = {}): Promise<SchedulesUnderTest> {
  const database = await createTestDatabase(label);
  const namespace = createTestNamespace(label);
  await runServiceMigrations(triggersDatabase(database.url));
  const nc = await connect({ servers: testNatsUrl() });
  await ensureEventsStream(await nc.jetstreamManager(), namespace);
  const clock = new FakeClock(start);
  const orchestrator = new SimulatedOrchestrator(nc, namespace, clock);
  orchestrator.start();
  const config = loadTriggersConfig({
    DATABASE_URL: database.url,
    NATS_URL: testNatsUrl(),
    NATS_NAMESPACE: namespace,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const replicas: INestApplicationContext[] = [];
  const replica = async (): Promise<SchedulesReplica> => {
    const app = await NestFactory.createApplicationContext(TriggersAppModule.forRoot(config, { clock }), { logger: process.env.TEST_LOG_LEVEL ? undefined : false });
    await app.init();
    const loop = app.get(ScheduleDueLoop);
    loop.stop();
    replicas.push(app);
    return { app, loop, schedules: app.get(SchedulesService) };
  };
  const first = await replica();
  return {
    ...first,
    clock,
    nc,
    orchestrator,
    database,
    db: first.app.get(DataSource),
    namespace,
    replica,
    async endsApplied() {
      const jsm = await nc.jetstreamManager();
      await eventually(
        async () => {
          for (const durable of Object.values(INSTANCE_ENDS_DURABLES)) {
            const info = await jsm.consumers.info(eventsStreamName(namespace), durable);
            if (info.num_pending > 0 || info.num_ack_pending > 0) return false;
          }
          return true;
        },
        { what: 'instance ends applied', intervalMs: 10 },
      );
    },
    async stop() {
      for (const app of replicas.reverse()) await app.close();
      orchestrator.stop();
      await nc.close();
      await database.drop();
      await removeTestNamespace(namespace);
    },
  };
}
