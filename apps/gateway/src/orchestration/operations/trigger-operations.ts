import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import {
  COMMANDS,
  emptyReplyDataSchema,
  Trigger,
  TriggerOccurrence,
  triggerOccurrenceSchema,
  triggerSchema,
  TriggerFlowState,
  triggerFlowStateSchema,
  TriggerTestResult,
  triggerTestResultSchema,
} from '@wfp/contracts';
import { GatewayCommandClient } from '../../commands/commands.module';
import { callService } from '../../commands/call-service';
import { ApiError } from '../../http/api-error';
import type { ListSource } from './list-source';
import { jsonObjectBody } from '../orchestration-api';

/**
 * Trigger operations (list, create, read, delete, occurrences, test), served by the triggers
 * service: the one implementation behind the v1 and v2 routes (test is routed in v2 only).
 */
@Injectable()
export class TriggerOperations {
  constructor(private readonly commands: GatewayCommandClient) {}

  /** listTriggers: `name` is a case-insensitive substring of the trigger's name. */
  readonly listing: ListSource<Trigger, { name?: string }> = {
    name: 'triggers',
    filtersSchema: z.object({ name: z.string().optional() }).strict(),
    filtersFrom: (query) => {
      const { name } = query;
      if (name !== undefined && typeof name !== 'string') throw new ApiError(400, 'VALIDATION', 'name must be a single string');
      return name ? { name } : {};
    },
    fetch: (filters, page, requestId) =>
      callService(this.commands, COMMANDS.triggers.listTriggers, { ...filters, ...(page ? { page } : {}) }, z.array(triggerSchema), requestId),
    keyOf: (trigger) => ({ createdAt: trigger.createdAt, id: trigger.id }),
  };

  /** listTriggersOccurrences: the trigger's occurrences by (date, id). */
  readonly occurrences: ListSource<TriggerOccurrence, { id: string }> = {
    name: 'occurrences',
    filtersSchema: z.object({ id: z.string() }).strict(),
    filtersFrom: (_query, path) => ({ id: path.triggerID }),
    fetch: (filters, page, requestId) =>
      callService(
        this.commands,
        COMMANDS.triggers.listOccurrences,
        { id: filters.id, ...(page ? { page } : {}) },
        z.array(triggerOccurrenceSchema),
        requestId,
      ),
    keyOf: (occurrence) => ({ createdAt: occurrence.date, id: occurrence.id }),
  };

  async create(req: Request, requestId?: string): Promise<{ data: Trigger }> {
    const data = await callService(this.commands, COMMANDS.triggers.createTrigger, { data: jsonObjectBody(req) }, triggerSchema, requestId);
    return { data };
  }

  async read(id: string, requestId?: string): Promise<{ data: Trigger }> {
    return { data: await callService(this.commands, COMMANDS.triggers.getTrigger, { id }, triggerSchema, requestId) };
  }

  async delete(id: string, requestId?: string): Promise<void> {
    await callService(this.commands, COMMANDS.triggers.deleteTrigger, { id }, emptyReplyDataSchema, requestId);
  }

  /**
   * testTrigger: the body is the event payload (`event.*` in expressions); answers what the
   * filter and vars evaluate to, starting and recording nothing.
   */
  async test(id: string, req: Request, requestId?: string): Promise<{ data: TriggerTestResult }> {
    const event = (req.body === undefined ? {} : jsonObjectBody(req)) as Record<string, unknown>;
    return { data: await callService(this.commands, COMMANDS.triggers.testTrigger, { id, event }, triggerTestResultSchema, requestId) };
  }

  /** flowState (extension): per-key running and queued counts; unknown or deleted trigger → 404. */
  async flowState(id: string, requestId?: string): Promise<{ data: TriggerFlowState }> {
    return { data: await callService(this.commands, COMMANDS.triggers.flowState, { id }, triggerFlowStateSchema, requestId) };
  }
}
