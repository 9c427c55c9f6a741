import { Module } from '@nestjs/common';
import { WorkflowTriggersController } from './workflow-triggers.controller';
import { WorkflowTriggersService } from './workflow-triggers.service';

/** Solvimon workflow-trigger records (commands served for the gateway). */
@Module({ controllers: [WorkflowTriggersController], providers: [WorkflowTriggersService] })
export class WorkflowTriggersModule {}
