import { Module } from '@nestjs/common';

/** Solvimon Workflow Triggers under /v1/workflow-triggers. */
@Module({})
export class SolvimonModule {}
