import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock, EventsModule, healthControllerFor, InboxPruningModule, serviceDataSourceOptions, ServicePlatformModule } from '@wfp/platform';
import { InterventionsConfig } from './config';
import { interventionsDatabase } from './database/interventions-database';
import { INTERVENTIONS_SCHEMA } from './database/schema';
import { InterventionsModule } from './interventions/interventions.module';
import { ContentsModule } from './contents/contents.module';

@Module({})
export class InterventionsAppModule {
  static forRoot(config: InterventionsConfig, options: { clock?: Clock } = {}): DynamicModule {
    return {
      module: InterventionsAppModule,
      imports: [
        ServicePlatformModule.forRoot({ service: 'interventions', config, clock: options.clock }),
        TypeOrmModule.forRoot({ ...serviceDataSourceOptions(interventionsDatabase(config.DATABASE_URL)), retryAttempts: 3 }),
        EventsModule.forService(INTERVENTIONS_SCHEMA),
        InboxPruningModule.forService(INTERVENTIONS_SCHEMA),
        InterventionsModule,
        ContentsModule,
      ],
      controllers: [healthControllerFor('interventions')],
    };
  }
}
