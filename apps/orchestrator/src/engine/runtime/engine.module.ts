import { Module } from '@nestjs/common';
import { EngineWakeup } from '../engine-wakeup';
import { EngineDb } from '../store/engine-db';
import { InstanceLoader } from '../store/load-instances';
import { UnitOfWork } from '../store/unit-of-work';
import { WorkflowStages } from '../store/workflow-stages';
import { AbortSystem } from '../systems/abort.system';
import { ActSystem } from '../systems/act.system';
import { BusWaitsSystem } from '../systems/bus-waits.system';
import { ClaimAndAdvanceSystem } from '../systems/claim-and-advance.system';
import { BulkJobsSystem } from '../systems/bulk-jobs.system';
import { MetadataSystem } from '../systems/metadata.system';
import { ReadsSystem } from '../systems/reads.system';
import { RedriveSystem } from '../systems/redrive.system';
import { StartSystem } from '../systems/start.system';
import { WaitsSystem } from '../systems/waits.system';
import { WorkflowsSystem } from '../systems/workflows.system';
import { BulkJobsWorker } from './bulk-jobs.worker';
import { BusWaitConsumer } from './bus-wait.consumer';
import { BusWaitTypes } from '../store/bus-wait-types';
import { EngineController } from './engine.controller';
import { EngineService } from './engine.service';
import { EngineWorker } from './engine-worker';

/** Workflows, instances and the durable worker: the engine facade over its systems. */
@Module({
  controllers: [EngineController],
  providers: [
    EngineDb,
    EngineWakeup,
    WorkflowStages,
    InstanceLoader,
    UnitOfWork,
    BusWaitTypes,
    WorkflowsSystem,
    StartSystem,
    ClaimAndAdvanceSystem,
    WaitsSystem,
    AbortSystem,
    RedriveSystem,
    MetadataSystem,
    BulkJobsSystem,
    BulkJobsWorker,
    ReadsSystem,
    ActSystem,
    BusWaitsSystem,
    BusWaitConsumer,
    EngineService,
    EngineWorker,
  ],
  exports: [EngineService],
})
export class EngineModule {}
