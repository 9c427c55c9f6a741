import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { z } from 'zod';
import {
  COMMANDS,
  emptyReplyDataSchema,
  InstanceHistory,
  instanceHistorySchema,
  StageHistory,
  stageHistorySchema,
  WorkflowInstance,
  workflowInstanceSchema,
} from '@wfp/contracts';
import { GatewayCommandClient } from '../commands/commands.module';
import { callService } from '../commands/call-service';
import { ApiError } from '../http/api-error';
import { RequestId } from '../http/request-id.decorator';
import { truthyQuery } from './orchestration-api';

// Reply schemas built once, not per request.
const instanceListSchema = z.array(workflowInstanceSchema);
const instanceHistoryListSchema = z.array(instanceHistorySchema);
const stageHistoryListSchema = z.array(stageHistorySchema);

/** Formance Orchestration v1 instances. */
@Controller('api/orchestration/instances')
export class InstancesController {
  constructor(private readonly commands: GatewayCommandClient) {}

  @Get()
  async list(
    @Query('workflowID') workflowID?: unknown,
    @Query('running') running?: unknown,
    @RequestId() requestId?: string,
  ): Promise<{ data: WorkflowInstance[] }> {
    if (workflowID !== undefined && typeof workflowID !== 'string') throw new ApiError(400, 'VALIDATION', "invalid 'workflowID' query param");
    const payload = { ...(workflowID ? { workflowID } : {}), running: truthyQuery(running) };
    const data = await callService(this.commands, COMMANDS.orchestrator.listInstances, payload, instanceListSchema, requestId);
    return { data };
  }

  @Get(':instanceID')
  async get(@Param('instanceID') id: string, @RequestId() requestId?: string): Promise<{ data: WorkflowInstance }> {
    return { data: await callService(this.commands, COMMANDS.orchestrator.getInstance, { id }, workflowInstanceSchema, requestId) };
  }

  @Post(':instanceID/events')
  @HttpCode(204)
  async sendEvent(@Param('instanceID') id: string, @Body() body: unknown, @RequestId() requestId?: string): Promise<void> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ApiError(400, 'VALIDATION', 'unmarshalling json body: an object {"name": string} is required');
    }
    const name = (body as { name?: unknown }).name ?? '';
    if (typeof name !== 'string') throw new ApiError(400, 'VALIDATION', "unmarshalling json body: 'name' must be a string");
    await callService(this.commands, COMMANDS.orchestrator.sendEvent, { id, name }, emptyReplyDataSchema, requestId);
  }

  @Put(':instanceID/abort')
  @HttpCode(204)
  async abort(@Param('instanceID') id: string, @RequestId() requestId?: string): Promise<void> {
    await callService(this.commands, COMMANDS.orchestrator.abortInstance, { id }, emptyReplyDataSchema, requestId);
  }

  @Get(':instanceID/history')
  async history(@Param('instanceID') id: string, @RequestId() requestId?: string): Promise<{ data: InstanceHistory[] }> {
    const data = await callService(this.commands, COMMANDS.orchestrator.getInstanceHistory, { id }, instanceHistoryListSchema, requestId);
    return { data };
  }

  @Get(':instanceID/stages/:number/history')
  async stageHistory(
    @Param('instanceID') id: string,
    @Param('number') number: string,
    @RequestId() requestId?: string,
  ): Promise<{ data: StageHistory[] }> {
    if (!/^\d{1,9}$/.test(number)) throw new ApiError(404, 'NOT_FOUND', `stage '${number}' not found: stage numbers are integers from 0`);
    const data = await callService(
      this.commands,
      COMMANDS.orchestrator.getStageHistory,
      { id, stage: Number(number) },
      stageHistoryListSchema,
      requestId,
    );
    return { data };
  }
}
