import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import {
  backfillScheduleReplySchema,
  COMMANDS,
  emptyReplyDataSchema,
  Schedule,
  scheduleDescriptionSchema,
  scheduleSchema,
  triggerScheduleReplySchema,
} from '@wfp/contracts';
import { GatewayCommandClient } from '../../commands/commands.module';
import { callService } from '../../commands/call-service';
import { ApiError } from '../../http/api-error';
import type { ListSource } from './list-source';
import { jsonObjectBody } from '../orchestration-api';
import type { V2BackfillScheduleResponse, V2DescribeScheduleResponse, V2ScheduleResponse, V2TriggerScheduleResponse } from '../schedules-wire';

/**
 * Schedule operations (docs/schedules.md), served by the triggers service: the gateway checks
 * the HTTP shape (a JSON object body, integer query parameters) and forwards; the service checks
 * the body with the contracts' schemas and answers VALIDATION naming the field.
 */
@Injectable()
export class ScheduleOperations {
  constructor(private readonly commands: GatewayCommandClient) {}

  /** listSchedules: `name` is a case-insensitive substring of the schedule's name. */
  readonly listing: ListSource<Schedule, { name?: string }> = {
    name: 'schedules',
    filtersSchema: z.object({ name: z.string().optional() }).strict(),
    filtersFrom: (query) => {
      const { name } = query;
      if (name !== undefined && typeof name !== 'string') throw new ApiError(400, 'VALIDATION', 'name must be a single string');
      return name ? { name } : {};
    },
    fetch: (filters, page, requestId) =>
      callService(this.commands, COMMANDS.triggers.listSchedules, { ...filters, ...(page ? { page } : {}) }, z.array(scheduleSchema), requestId),
    keyOf: (schedule) => ({ createdAt: schedule.createdAt, id: schedule.id }),
  };

  async create(req: Request, requestId?: string): Promise<V2ScheduleResponse> {
    return { data: await callService(this.commands, COMMANDS.triggers.createSchedule, { data: jsonObjectBody(req) }, scheduleSchema, requestId) };
  }

  async read(id: string, requestId?: string): Promise<V2ScheduleResponse> {
    return { data: await callService(this.commands, COMMANDS.triggers.getSchedule, { id }, scheduleSchema, requestId) };
  }

  async update(id: string, req: Request, requestId?: string): Promise<V2ScheduleResponse> {
    return { data: await callService(this.commands, COMMANDS.triggers.updateSchedule, { id, data: jsonObjectBody(req) }, scheduleSchema, requestId) };
  }

  async delete(id: string, requestId?: string): Promise<void> {
    await callService(this.commands, COMMANDS.triggers.deleteSchedule, { id }, emptyReplyDataSchema, requestId);
  }

  async pause(id: string, req: Request, requestId?: string): Promise<V2ScheduleResponse> {
    return { data: await callService(this.commands, COMMANDS.triggers.pauseSchedule, { id, data: optionalJsonObjectBody(req) }, scheduleSchema, requestId) };
  }

  async unpause(id: string, req: Request, requestId?: string): Promise<V2ScheduleResponse> {
    return { data: await callService(this.commands, COMMANDS.triggers.unpauseSchedule, { id, data: optionalJsonObjectBody(req) }, scheduleSchema, requestId) };
  }

  async trigger(id: string, req: Request, requestId?: string): Promise<V2TriggerScheduleResponse> {
    return { data: await callService(this.commands, COMMANDS.triggers.triggerSchedule, { id, data: optionalJsonObjectBody(req) }, triggerScheduleReplySchema, requestId) };
  }

  async backfill(id: string, req: Request, requestId?: string): Promise<V2BackfillScheduleResponse> {
    return { data: await callService(this.commands, COMMANDS.triggers.backfillSchedule, { id, data: jsonObjectBody(req) }, backfillScheduleReplySchema, requestId) };
  }

  async describe(id: string, query: Record<string, unknown>, requestId?: string): Promise<V2DescribeScheduleResponse> {
    const next = integerQuery(query, 'next', 100);
    const recent = integerQuery(query, 'recent', 1000);
    const payload = { id, ...(next !== undefined ? { next } : {}), ...(recent !== undefined ? { recent } : {}) };
    return { data: await callService(this.commands, COMMANDS.triggers.describeSchedule, payload, scheduleDescriptionSchema, requestId) };
  }
}

/** pause, unpause and trigger may be sent without a body. */
function optionalJsonObjectBody(req: Request): unknown {
  const empty = req.body === undefined || req.body === '' || (typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) && Object.keys(req.body).length === 0);
  return empty ? {} : jsonObjectBody(req);
}

function integerQuery(query: Record<string, unknown>, name: string, max: number): number | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^\d{1,7}$/.test(raw) || Number(raw) > max) {
    throw new ApiError(400, 'VALIDATION', `invalid '${name}' query param: an integer from 0 to ${max}`);
  }
  return Number(raw);
}
