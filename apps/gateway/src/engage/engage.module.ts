import { Module } from '@nestjs/common';
import { EngageInterventionsController } from './interventions.controller';

/** Engage Digital Interventions under /1.0. */
@Module({ controllers: [EngageInterventionsController] })
export class EngageModule {}
