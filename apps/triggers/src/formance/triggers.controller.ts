import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  COMMANDS,
  createTriggerRequestSchema,
  listTriggersRequestSchema,
  Reply,
  Trigger,
  triggerIdRequestSchema,
  TriggerOccurrence,
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
    return parsed.ok ? this.triggers.list(parsed.value.name) : parsed.reply;
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
    const parsed = parseCommand(triggerIdRequestSchema, payload);
    return parsed.ok ? this.triggers.listOccurrences(parsed.value.id) : parsed.reply;
  }
}
