import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { COMMANDS, emptyReplyDataSchema, Trigger, TriggerOccurrence, triggerOccurrenceSchema, triggerSchema } from '@wfp/contracts';
import { GatewayCommandClient } from '../../commands/commands.module';
import { callService } from '../../commands/call-service';
import { ApiError } from '../../http/api-error';
import { RequestId } from '../../http/request-id.decorator';
import { FormanceAuth } from '../auth/formance-auth.decorator';

/** Formance Orchestration v1 triggers (served by the triggers service). */
@FormanceAuth()
@Controller('api/orchestration/triggers')
export class FormanceTriggersController {
  constructor(private readonly commands: GatewayCommandClient) {}

  /** listTriggers: `name` is a case-insensitive substring of the trigger's name. */
  @Get()
  async list(@Query('name') name: unknown, @RequestId() requestId?: string): Promise<{ data: Trigger[] }> {
    if (name !== undefined && typeof name !== 'string') throw new ApiError(400, 'VALIDATION', 'name must be a single string');
    const data = await callService(
      this.commands,
      COMMANDS.triggers.listTriggers,
      name ? { name } : {},
      z.array(triggerSchema),
      requestId,
    );
    return { data };
  }

  @Post()
  @HttpCode(201)
  async create(@Req() req: Request, @RequestId() requestId?: string): Promise<{ data: Trigger }> {
    if (req.body === undefined || req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) {
      throw new ApiError(400, 'VALIDATION', 'unmarshalling json body: a JSON object is required (Content-Type: application/json)');
    }
    const data = await callService(this.commands, COMMANDS.triggers.createTrigger, { data: req.body }, triggerSchema, requestId);
    return { data };
  }

  @Get(':triggerID')
  async read(@Param('triggerID') id: string, @RequestId() requestId?: string): Promise<{ data: Trigger }> {
    const data = await callService(this.commands, COMMANDS.triggers.getTrigger, { id }, triggerSchema, requestId);
    return { data };
  }

  @Delete(':triggerID')
  @HttpCode(204)
  async delete(@Param('triggerID') id: string, @RequestId() requestId?: string): Promise<void> {
    await callService(this.commands, COMMANDS.triggers.deleteTrigger, { id }, emptyReplyDataSchema, requestId);
  }

  @Get(':triggerID/occurrences')
  async occurrences(@Param('triggerID') id: string, @RequestId() requestId?: string): Promise<{ data: TriggerOccurrence[] }> {
    const data = await callService(this.commands, COMMANDS.triggers.listOccurrences, { id }, z.array(triggerOccurrenceSchema), requestId);
    return { data };
  }
}
