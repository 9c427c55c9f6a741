import { Injectable } from '@nestjs/common';
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
import { GatewayCommandClient } from '../../commands/commands.module';
import { callService } from '../../commands/call-service';
import { ApiError } from '../../http/api-error';
import { truthyQuery } from '../orchestration-api';
import type { ListSource } from './list-source';

// Reply schemas built once, not per request.
const instanceListSchema = z.array(workflowInstanceSchema);
const instanceHistoryListSchema = z.array(instanceHistorySchema);
const stageHistoryListSchema = z.array(stageHistorySchema);

export interface InstanceFilters {
  workflowID?: string;
  running: boolean;
}

/**
 * Instance operations (list, get, events, abort, redrive, history, stage history): the one implementation
 * behind the v1 and v2 routes.
 */
@Injectable()
export class InstanceOperations {
  constructor(private readonly commands: GatewayCommandClient) {}

  /** listInstances: `workflowID` (exact) and `running` (`true`/`1`) as in v1. */
  readonly listing: ListSource<WorkflowInstance, InstanceFilters> = {
    name: 'instances',
    filtersSchema: z.object({ workflowID: z.string().optional(), running: z.boolean() }).strict(),
    filtersFrom: (query) => {
      const { workflowID, running } = query;
      if (workflowID !== undefined && typeof workflowID !== 'string') throw new ApiError(400, 'VALIDATION', "invalid 'workflowID' query param");
      return { ...(workflowID ? { workflowID } : {}), running: truthyQuery(running) };
    },
    fetch: (filters, page, requestId) =>
      callService(this.commands, COMMANDS.orchestrator.listInstances, { ...filters, ...(page ? { page } : {}) }, instanceListSchema, requestId),
    keyOf: (instance) => ({ createdAt: instance.createdAt, id: instance.id }),
  };

  async get(id: string, requestId?: string): Promise<{ data: WorkflowInstance }> {
    return { data: await callService(this.commands, COMMANDS.orchestrator.getInstance, { id }, workflowInstanceSchema, requestId) };
  }

  async sendEvent(id: string, body: unknown, requestId?: string): Promise<void> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ApiError(400, 'VALIDATION', 'unmarshalling json body: an object {"name": string} is required');
    }
    const name = (body as { name?: unknown }).name ?? '';
    if (typeof name !== 'string') throw new ApiError(400, 'VALIDATION', "unmarshalling json body: 'name' must be a string");
    await callService(this.commands, COMMANDS.orchestrator.sendEvent, { id, name }, emptyReplyDataSchema, requestId);
  }

  async abort(id: string, requestId?: string): Promise<void> {
    await callService(this.commands, COMMANDS.orchestrator.abortInstance, { id }, emptyReplyDataSchema, requestId);
  }

  /** Our extension: a failed instance runs again from its failed stage (docs/compatibility.md). */
  async redrive(id: string, requestId?: string): Promise<void> {
    await callService(this.commands, COMMANDS.orchestrator.redriveInstance, { id }, emptyReplyDataSchema, requestId);
  }

  async history(id: string, requestId?: string): Promise<{ data: InstanceHistory[] }> {
    const data = await callService(this.commands, COMMANDS.orchestrator.getInstanceHistory, { id }, instanceHistoryListSchema, requestId);
    return { data };
  }

  async stageHistory(id: string, number: string, requestId?: string): Promise<{ data: StageHistory[] }> {
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
