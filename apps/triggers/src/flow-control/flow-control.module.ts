import { Module } from '@nestjs/common';
import { AdmissionService } from './admission.service';
import { InstanceEvents } from './instance-events';

/** Flow control on triggers: decisions at match time (flow-decisions.ts) and admission of queued starts. */
@Module({ providers: [AdmissionService, InstanceEvents], exports: [AdmissionService, InstanceEvents] })
export class FlowControlModule {}
