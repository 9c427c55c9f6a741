import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock, EventsModule, healthControllerFor, InboxPruningModule, serviceDataSourceOptions, ServicePlatformModule } from '@wfp/platform';
import { TriggersConfig } from './config';
import { triggersDatabase } from './database/triggers-database';
import { TRIGGERS_SCHEMA } from './database/schema';
import { OrchestratorClientModule } from './orchestrator/orchestrator-client';
import { FormanceTriggersModule } from './formance/formance-triggers.module';
import { WorkflowTriggersModule } from './workflow-triggers/workflow-triggers.module';
import { MatchingModule } from './matching/matching.module';
import { SchedulesModule } from './schedules/schedules.module';
import { ReplaysModule } from './replays/replays.module';

@Module({})
export class TriggersAppModule {
  static forRoot(config: TriggersConfig, options: { clock?: Clock; matching?: boolean } = {}): DynamicModule {
    return {
      module: TriggersAppModule,
      imports: [
        ServicePlatformModule.forRoot({ service: 'triggers', config, clock: options.clock }),
        TypeOrmModule.forRoot({ ...serviceDataSourceOptions(triggersDatabase(config.DATABASE_URL, config.TRIGGERS_DB_POOL_SIZE)), retryAttempts: 3 }),
        EventsModule.forService(TRIGGERS_SCHEMA),
        InboxPruningModule.forService(TRIGGERS_SCHEMA),
        OrchestratorClientModule,
        FormanceTriggersModule,
        WorkflowTriggersModule,
        SchedulesModule,
        ...(options.matching === false ? [] : [MatchingModule, ReplaysModule]),
      ],
      controllers: [healthControllerFor('triggers')],
    };
  }
}
