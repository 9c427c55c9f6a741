import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CommonConfig, natsServers } from '../config/env';
import { platformLoggerModule } from '../logging/logger.module';
import { NatsConnectionModule } from '../nats/nats-connection.module';
import { CommandContextInterceptor } from '../nats/command-context.interceptor';
import { CLOCK, Clock, systemClock } from '../clock/clock';

export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * What every NATS microservice of the platform gets: its validated configuration (token
 * APP_CONFIG), JSON logs, a NATS connection for JetStream, the request-id interceptor, and a clock.
 */
@Global()
@Module({})
export class ServicePlatformModule {
  static forRoot(options: { service: string; config: CommonConfig; clock?: Clock }): DynamicModule {
    return {
      module: ServicePlatformModule,
      imports: [
        platformLoggerModule(options.service, options.config.LOG_LEVEL),
        NatsConnectionModule.forRoot({ servers: natsServers(options.config.NATS_URL), name: options.service }),
      ],
      providers: [
        { provide: APP_CONFIG, useValue: options.config },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        { provide: APP_INTERCEPTOR, useClass: CommandContextInterceptor },
      ],
      exports: [APP_CONFIG, CLOCK],
    };
  }
}
