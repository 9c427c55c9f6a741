import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock, EventsModule, healthControllerFor, serviceDataSourceOptions, ServicePlatformModule } from '@wfp/platform';
import { TriggersConfig } from './config';
import { triggersDatabase } from './database/triggers-database';
import { TRIGGERS_SCHEMA } from './database/schema';

@Module({})
export class TriggersAppModule {
  static forRoot(config: TriggersConfig, options: { clock?: Clock } = {}): DynamicModule {
    return {
      module: TriggersAppModule,
      imports: [
        ServicePlatformModule.forRoot({ service: 'triggers', config, clock: options.clock }),
        TypeOrmModule.forRoot({ ...serviceDataSourceOptions(triggersDatabase(config.DATABASE_URL)), retryAttempts: 3 }),
        EventsModule.forService(TRIGGERS_SCHEMA),
      ],
      controllers: [healthControllerFor('triggers')],
    };
  }
}
