import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock, EventsModule, healthControllerFor, InboxPruningModule, serviceDataSourceOptions, ServicePlatformModule } from '@wfp/platform';
import { OrchestratorConfig } from './config';
import { orchestratorDatabase } from './database/orchestrator-database';
import { ORCHESTRATOR_SCHEMA } from './database/schema';
import { InfoModule } from './info/info.module';
import { EngineModule } from './engine/runtime/engine.module';
import { StagesModule } from './engine/runtime/stages.module';
import type { StageKind } from './engine/core/stage-kind';

@Module({})
export class OrchestratorAppModule {
  /** `stageKinds`: extra stage kinds registered beside the built-in ones (tests). */
  static forRoot(config: OrchestratorConfig, options: { clock?: Clock; stageKinds?: readonly StageKind[] } = {}): DynamicModule {
    return {
      module: OrchestratorAppModule,
      imports: [
        ServicePlatformModule.forRoot({ service: 'orchestrator', config, clock: options.clock }),
        TypeOrmModule.forRoot({ ...serviceDataSourceOptions(orchestratorDatabase(config.DATABASE_URL)), retryAttempts: 3 }),
        // The engine writes its outbox rows itself (in its batch statement); the relay deletes them once acked.
        EventsModule.forService(ORCHESTRATOR_SCHEMA, { deleteOnPublish: true, batchSize: 1000, pipelined: true }),
        InboxPruningModule.forService(ORCHESTRATOR_SCHEMA),
        InfoModule,
        StagesModule.forRoot(options.stageKinds ?? []),
        EngineModule,
      ],
      controllers: [healthControllerFor('orchestrator')],
    };
  }
}
