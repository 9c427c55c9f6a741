import { Controller, Inject, Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { DataSource } from 'typeorm';
import type { NatsConnection } from 'nats';
import { COMMANDS, HealthReplyData, ok, Reply, ServiceName } from '@wfp/contracts';
import { NATS_CONNECTION } from '../nats/nats-connection.module';
import { packageVersion } from '../config/package-version';
import { checkNats, checkPostgres } from './check-postgres';

/** A controller answering `<service>.v1.health` with the status of its Postgres and NATS. */
export function healthControllerFor(service: ServiceName): Type<unknown> {
  @Controller()
  class HealthController {
    constructor(
      private readonly dataSource: DataSource,
      @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    ) {}

    @MessagePattern(COMMANDS[service].health)
    async health(): Promise<Reply<HealthReplyData>> {
      const dependencies = { postgres: await checkPostgres(this.dataSource), nats: checkNats(this.nc) };
      const status = Object.values(dependencies).every((d) => d.status === 'up') ? 'up' : 'down';
      return ok({ service, version: packageVersion(), status, dependencies });
    }
  }
  Object.defineProperty(HealthController, 'name', { value: `${service[0].toUpperCase()}${service.slice(1)}HealthController` });
  return HealthController;
}
