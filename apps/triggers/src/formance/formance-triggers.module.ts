import { Module } from '@nestjs/common';
import { TriggersController } from './triggers.controller';
import { TriggersService } from './triggers.service';
import { TriggerSetChangesModule } from '../matching/trigger-set-changes';

/** Formance v1 trigger operations (commands served for the gateway). */
@Module({ imports: [TriggerSetChangesModule], controllers: [TriggersController], providers: [TriggersService] })
export class FormanceTriggersModule {}
