import { Module } from '@nestjs/common';
import { EngineDb } from './db/engine-db';
import { EngineController } from './engine.controller';
import { EngineService } from './engine.service';
import { EngineWakeup } from './engine-wakeup';
import { EngineWorker } from './engine-worker';
import { AbortSystem } from './systems/abort.system';
import { ClaimAndAdvanceSystem } from './systems/claim-and-advance.system';
import { ReadsSystem } from './systems/reads.system';
import { StartSystem } from './systems/start.system';
import { WaitsSystem } from './systems/waits.system';
import { WorkflowsSystem } from './systems/workflows.system';
import { ActSystem } from './systems/act.system';
import { BusWaitsSystem } from './systems/bus-waits.system';
import { BUS_WAIT_COMPLETER, BusWaitConsumer } from './bus-waits/bus-wait.consumer';

/** Workflows, instances and the durable worker: the engine facade over its systems. */
@Module({
  controllers: [EngineController],
  providers: [
    EngineDb,
    EngineWakeup,
    WorkflowsSystem,
    StartSystem,
    ClaimAndAdvanceSystem,
    WaitsSystem,
    AbortSystem,
    ReadsSystem,
    ActSystem,
    BusWaitsSystem,
    { provide: BUS_WAIT_COMPLETER, useExisting: BusWaitsSystem },
    BusWaitConsumer,
    EngineService,
    EngineWorker,
  ],
  exports: [EngineService],
})
export class EngineModule {}
