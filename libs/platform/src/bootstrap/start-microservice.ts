import { DynamicModule, INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { queueGroup, ServiceName } from '@wfp/contracts';
import { CommonConfig, natsServers } from '../config/env';
import { standaloneLogger } from '../logging/standalone-logger';
import { NamespacedNatsServer } from '../nats/namespaced-nats-server';
import { natsClientOptions } from '../nats/client-options';
import { ensureDatabaseExists } from '../database/service-database';
import { waitForNats, waitForPostgres } from '../startup/wait-for-dependencies';
import { DataSource } from 'typeorm';
import type { NatsConnection } from 'nats';
import { z } from 'zod';
import { intFromEnv, loadConfigOrExit, parseEnv } from '../config/env';
import { NATS_CONNECTION } from '../nats/nats-connection.module';
import { checkNats, checkPostgres } from '../health/check-postgres';
import { DEFAULT_METRICS_PORTS, startMetricsServer } from '../observability/metrics-server';
import { observePgPool, ObservablePool } from '../observability/metrics';

/** The operations port of a NATS service (`/metrics`, `/healthz`, `/readyz`). */
export const metricsEnvSchema = z.object({
  METRICS_PORT: intFromEnv(0, 65535).optional(),
  METRICS_HOST: z.string().default('0.0.0.0'),
});

export interface StartMicroserviceOptions {
  service: ServiceName;
  config: CommonConfig;
  module: DynamicModule;
  /** Applies the service's migrations; returns the names applied. */
  migrate: () => Promise<string[]>;
}

/**
 * Starts a NATS microservice: waits for Postgres and NATS (one clear log line while either is
 * unreachable), creates the database if needed, applies the service's migrations, then serves
 * its commands in the service's queue group under the configured namespace.
 */
export async function startMicroservice(options: StartMicroserviceOptions): Promise<INestMicroservice> {
  const { service, config } = options;
  const logger = standaloneLogger(service, config.LOG_LEVEL);
  const servers = natsServers(config.NATS_URL);
  const metricsEnv = loadConfigOrExit(() => parseEnv(metricsEnvSchema));
  // Served from the start: liveness answers while the service waits for its dependencies,
  // readiness says "starting" until the application is up.
  const live: { dataSource?: DataSource; nc?: NatsConnection } = {};
  const starting = { status: 'down' as const, error: 'starting' };
  const metricsServer = await startMetricsServer({
    service,
    port: metricsEnv.METRICS_PORT ?? DEFAULT_METRICS_PORTS[service],
    host: metricsEnv.METRICS_HOST,
    checks: {
      postgres: () => (live.dataSource ? checkPostgres(live.dataSource) : starting),
      nats: () => (live.nc ? checkNats(live.nc) : starting),
    },
  });
  await waitForPostgres(config.DATABASE_URL, { logger });
  await ensureDatabaseExists(config.DATABASE_URL);
  await waitForNats(servers, { logger });
  const applied = await options.migrate();
  if (applied.length > 0) logger.info({ migrations: applied }, `applied ${applied.length} migration(s)`);

  const app = await NestFactory.createMicroservice(options.module, {
    strategy: new NamespacedNatsServer({
      ...natsClientOptions(servers, `${service}-commands`),
      namespace: config.NATS_NAMESPACE,
      queue: queueGroup(config.NATS_NAMESPACE, service),
    }),
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen();
  const dataSource = app.get(DataSource);
  live.dataSource = dataSource;
  live.nc = app.get<NatsConnection>(NATS_CONNECTION);
  const typeormPool = (dataSource.driver as unknown as { master?: ObservablePool }).master;
  if (typeormPool) observePgPool(`${service}-typeorm`, typeormPool);
  logger.info(
    { namespace: config.NATS_NAMESPACE, metricsPort: metricsServer.port },
    `${service} is serving commands (metrics, health on :${metricsServer.port})`,
  );
  return app;
}
