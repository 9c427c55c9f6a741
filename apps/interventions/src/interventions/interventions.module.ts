import { Module } from '@nestjs/common';
import { InterventionsController } from './interventions.controller';
import { InterventionsService } from './interventions.service';

/** Interventions: list, get, open/reopen, close, cancel, reassign, categorize, custom fields, replies. */
@Module({ controllers: [InterventionsController], providers: [InterventionsService], exports: [InterventionsService] })
export class InterventionsModule {}
