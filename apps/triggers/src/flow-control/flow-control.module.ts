import { Module } from '@nestjs/common';
import { AdmissionService } from './admission.service';

/** Flow control on triggers: decisions at match time (flow-decisions.ts) and admission of queued starts. */
@Module({ providers: [AdmissionService], exports: [AdmissionService] })
export class FlowControlModule {}
