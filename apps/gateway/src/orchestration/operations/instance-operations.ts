import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import {
  COMMANDS,
  emptyReplyDataSchema,
  InstanceFilter,
  instanceFilterSchema,
  InstanceHistory,
  instanceHistorySchema,
  setInstanceMetadataRequestSchema,
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
import { metadataFromQuery } from './metadata-query';

// Reply schemas built once, not per request.
const instanceListSchema = z.array(workflowInstanceSchema);
const instanceHistoryListSchema = z.array(instanceHistorySchema);
const stageHistoryListSchema = z.array(stageHistorySchema);

/** A list's filters: Formance's (`workflowID`, `running`) and our search extension. */
export type InstanceFilters = InstanceFilter & { running: boolean };

/**
 * Instance operations (list and search, get, events, abort, redrive, metadata, history, stage history): the one implementation
 * behind the v1 and v2 routes.
 */
@Injectable()
export class InstanceOperations {
  constructor(private readonly commands: GatewayCommandClient) {}

  /** listInstances: `workflowID` (exact) and `running` (`true`/`1`) as in v1. */
  readonly listing: ListSource<WorkflowInstance, InstanceFilters> = {
    name: 'instances',
    filtersSchema: instanceFilterSchema.extend({ running: z.boolean() }).strict(),
    filtersFrom: (query) => {
      const { workflowID, running, status, createdAfter, createdBefore } = query;
      if (workflowID !== undefined && typeof workflowID !== 'string') throw new ApiError(400, 'VALIDATION', "invalid 'workflowID' query param");
      const filters: InstanceFilters = { ...(workflowID ? { workflowID } : {}), running: truthyQuery(running) };
      // Our extension: search by status, metadata and creation time (docs/compatibility.md).
      if (status !== undefined) {
        const parsed = instanceFilterSchema.shape.status.safeParse(status);
        if (!parsed.success || parsed.data === undefined) throw new ApiError(400, 'VALIDATION', "invalid 'status' query param: running, succeeded, failed or canceled");
        filters.status = parsed.data;
      }
      for (const [name, value] of [['createdAfter', createdAfter], ['createdBefore', createdBefore]] as const) {
        if (value === undefined) continue;
        const parsed = instanceFilterSchema.shape[name].safeParse(value);
        if (!parsed.success || parsed.data === undefined) throw new ApiError(400, 'VALIDATION', `invalid '${name}' query param: an RFC 3339 date-time`);
        filters[name] = parsed.data;
      }
      const metadata = metadataFromQuery(query);
      if (metadata) filters.metadata = metadata;
      return filters;
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

  /** Our extension: sets (a string) or removes (null) metadata keys; body `{key: value | null}`. */
  async setMetadata(id: string, body: unknown, requestId?: string): Promise<void> {
    const parsed = setInstanceMetadataRequestSchema.shape.metadata.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiError(400, 'VALIDATION', `unmarshalling json body: an object {"<key>": string | null} is required${issue?.path.length ? ` (at '${issue.path.join('.')}')` : ''}`);
    }
    await callService(this.commands, COMMANDS.orchestrator.setInstanceMetadata, { id, metadata: parsed.data }, emptyReplyDataSchema, requestId);
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
