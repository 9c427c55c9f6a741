import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  COMMANDS,
  createTriggerRequestSchema,
  flowStateRequestSchema,
  listOccurrencesRequestSchema,
  listTriggersRequestSchema,
  Reply,
  Trigger,
  triggerIdRequestSchema,
  TriggerFlowState,
  TriggerOccurrence,
  TriggerTestResult,
  testTriggerRequestSchema,
} from '@wfp/contracts';
import { parseCommand } from '@wfp/platform';
import { TriggersService } from './triggers.service';

@Controller()
export class TriggersController {
  constructor(private readonly triggers: TriggersService) {}

  @MessagePattern(COMMANDS.triggers.createTrigger)
  async create(@Payload() payload: unknown): Promise<Reply<Trigger>> {
    const parsed = parseCommand(createTriggerRequestSchema, payload);
    return parsed.ok ? this.triggers.create(parsed.value.data) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.listTriggers)
  async list(@Payload() payload: unknown): Promise<Reply<Trigger[]>> {
    const parsed = parseCommand(listTriggersRequestSchema, payload);
    return parsed.ok ? this.triggers.list(parsed.value.name, parsed.value.page) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.getTrigger)
  async get(@Payload() payload: unknown): Promise<Reply<Trigger>> {
    const parsed = parseCommand(triggerIdRequestSchema, payload);
    return parsed.ok ? this.triggers.get(parsed.value.id) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.deleteTrigger)
  async delete(@Payload() payload: unknown): Promise<Reply<Record<string, never>>> {
    const parsed = parseCommand(triggerIdRequestSchema, payload);
    return parsed.ok ? this.triggers.delete(parsed.value.id) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.listOccurrences)
  async occurrences(@Payload() payload: unknown): Promise<Reply<TriggerOccurrence[]>> {
    const parsed = parseCommand(listOccurrencesRequestSchema, payload);
    return parsed.ok ? this.triggers.listOccurrences(parsed.value.id, undefined, parsed.value.page) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.testTrigger)
  async test(@Payload() payload: unknown): Promise<Reply<TriggerTestResult>> {
    const parsed = parseCommand(testTriggerRequestSchema, payload);
    return parsed.ok ? this.triggers.test(parsed.value.id, parsed.value.event) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.flowState)
  async flowState(@Payload() payload: unknown): Promise<Reply<TriggerFlowState>> {
    const parsed = parseCommand(flowStateRequestSchema, payload);
    return parsed.ok ? this.triggers.flowState(parsed.value.id) : parsed.reply;
  }
}
