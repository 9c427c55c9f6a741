import { Module } from '@nestjs/common';

/** Formance trigger operations under /api/orchestration/triggers (served by the triggers service). */
@Module({})
export class FormanceTriggersModule {}
