import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  COMMANDS,
  createWorkflowTriggerRequestSchema,
  getWorkflowTriggerRequestSchema,
  Reply,
  searchWorkflowTriggersRequestSchema,
  WorkflowTrigger,
} from '@wfp/contracts';
import { parseCommand } from '@wfp/platform';
import { WorkflowTriggersService } from './workflow-triggers.service';

@Controller()
export class WorkflowTriggersController {
  constructor(private readonly service: WorkflowTriggersService) {}

  @MessagePattern(COMMANDS.triggers.createWorkflowTrigger)
  async create(@Payload() payload: unknown): Promise<Reply<{ trigger: WorkflowTrigger; replayed: boolean }>> {
    const parsed = parseCommand(createWorkflowTriggerRequestSchema, payload);
    return parsed.ok ? this.service.create(parsed.value) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.getWorkflowTrigger)
  async get(@Payload() payload: unknown): Promise<Reply<WorkflowTrigger>> {
    const parsed = parseCommand(getWorkflowTriggerRequestSchema, payload);
    return parsed.ok ? this.service.get(parsed.value.platformId, parsed.value.id) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.searchWorkflowTriggers)
  async search(@Payload() payload: unknown): Promise<Reply<{ data: WorkflowTrigger[]; total: number }>> {
    const parsed = parseCommand(searchWorkflowTriggersRequestSchema, payload);
    return parsed.ok ? this.service.search(parsed.value) : parsed.reply;
  }
}
