import { Module } from '@nestjs/common';
import { InfoController } from './info.controller';

/** Formance Orchestration v1 under /api/orchestration. */
@Module({ controllers: [InfoController] })
export class OrchestrationModule {}
