import { Module } from '@nestjs/common';
import { FormanceTriggersController } from './formance-triggers.controller';

/** Formance trigger operations under /api/orchestration/triggers (served by the triggers service). */
@Module({ controllers: [FormanceTriggersController] })
export class FormanceTriggersModule {}
