import { Module } from '@nestjs/common';
import { EngineController } from './engine.controller';
import { EngineService } from './engine.service';
import { EngineWakeup } from './engine-wakeup';
import { EngineWorker } from './engine-worker';

/** Workflows, instances and the durable worker. */
@Module({ controllers: [EngineController], providers: [EngineService, EngineWakeup, EngineWorker], exports: [EngineService] })
export class EngineModule {}
