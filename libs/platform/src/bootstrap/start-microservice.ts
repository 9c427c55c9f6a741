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
  logger.info({ namespace: config.NATS_NAMESPACE }, `${service} is serving commands`);
  return app;
}
