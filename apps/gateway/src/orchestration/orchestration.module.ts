import { Module } from '@nestjs/common';
import { InfoController } from './info.controller';
import { FormanceTriggersModule } from './triggers/formance-triggers.module';

/** Formance Orchestration v1 under /api/orchestration. */
@Module({ imports: [FormanceTriggersModule], controllers: [InfoController] })
export class OrchestrationModule {}
