import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  backfillScheduleRequestSchema,
  COMMANDS,
  createScheduleRequestSchema,
  describeScheduleRequestSchema,
  listSchedulesRequestSchema,
  pauseScheduleRequestSchema,
  Reply,
  Schedule,
  ScheduleActionRecord,
  ScheduleDescription,
  scheduleIdRequestSchema,
  triggerScheduleRequestSchema,
  updateScheduleRequestSchema,
} from '@wfp/contracts';
import { parseCommand } from '@wfp/platform';
import { SchedulesService } from './schedules.service';

/** The schedules commands (NATS request/reply, queue group of the triggers service). */
@Controller()
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @MessagePattern(COMMANDS.triggers.createSchedule)
  async create(@Payload() payload: unknown): Promise<Reply<Schedule>> {
    const parsed = parseCommand(createScheduleRequestSchema, payload);
    return parsed.ok ? this.schedules.create(parsed.value.data) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.listSchedules)
  async list(@Payload() payload: unknown): Promise<Reply<Schedule[]>> {
    const parsed = parseCommand(listSchedulesRequestSchema, payload);
    return parsed.ok ? this.schedules.list(parsed.value.name, parsed.value.page) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.getSchedule)
  async get(@Payload() payload: unknown): Promise<Reply<Schedule>> {
    const parsed = parseCommand(scheduleIdRequestSchema, payload);
    return parsed.ok ? this.schedules.get(parsed.value.id) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.updateSchedule)
  async update(@Payload() payload: unknown): Promise<Reply<Schedule>> {
    const parsed = parseCommand(updateScheduleRequestSchema, payload);
    return parsed.ok ? this.schedules.update(parsed.value.id, parsed.value.data) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.deleteSchedule)
  async delete(@Payload() payload: unknown): Promise<Reply<Record<string, never>>> {
    const parsed = parseCommand(scheduleIdRequestSchema, payload);
    return parsed.ok ? this.schedules.delete(parsed.value.id) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.pauseSchedule)
  async pause(@Payload() payload: unknown): Promise<Reply<Schedule>> {
    const parsed = parseCommand(pauseScheduleRequestSchema, payload);
    return parsed.ok ? this.schedules.pause(parsed.value.id, parsed.value.data) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.unpauseSchedule)
  async unpause(@Payload() payload: unknown): Promise<Reply<Schedule>> {
    const parsed = parseCommand(pauseScheduleRequestSchema, payload);
    return parsed.ok ? this.schedules.unpause(parsed.value.id, parsed.value.data) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.triggerSchedule)
  async trigger(@Payload() payload: unknown): Promise<Reply<{ action: ScheduleActionRecord }>> {
    const parsed = parseCommand(triggerScheduleRequestSchema, payload);
    return parsed.ok ? this.schedules.trigger(parsed.value.id, parsed.value.data) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.backfillSchedule)
  async backfill(@Payload() payload: unknown): Promise<Reply<{ ticks: number; added: number }>> {
    const parsed = parseCommand(backfillScheduleRequestSchema, payload);
    return parsed.ok ? this.schedules.backfill(parsed.value.id, parsed.value.data) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.describeSchedule)
  async describe(@Payload() payload: unknown): Promise<Reply<ScheduleDescription>> {
    const parsed = parseCommand(describeScheduleRequestSchema, payload);
    return parsed.ok ? this.schedules.describe(parsed.value.id, parsed.value.next, parsed.value.recent) : parsed.reply;
  }
}
