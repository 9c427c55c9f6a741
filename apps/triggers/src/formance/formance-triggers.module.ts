import { Module } from '@nestjs/common';
import { TriggersController } from './triggers.controller';
import { TriggersService } from './triggers.service';

/** Formance v1 trigger operations (commands served for the gateway). */
@Module({ controllers: [TriggersController], providers: [TriggersService] })
export class FormanceTriggersModule {}
