import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { COMMANDS, emptyReplyDataSchema, resumeWorkflowReplySchema, Workflow, WorkflowInstance, workflowInstanceSchema, workflowSchema } from '@wfp/contracts';
import { GatewayCommandClient } from '../../commands/commands.module';
import { callService } from '../../commands/call-service';
import { ApiError } from '../../http/api-error';
import { GATEWAY_CONFIG, GatewayConfig } from '../../config';
import { assertUuid, truthyQuery, variablesFromBody, workflowConfigFromBody } from '../orchestration-api';
import type { ListSource } from './list-source';
import { metadataFromQuery } from './metadata-query';

/**
 * Workflow operations (list, create, get, delete, run): the one implementation behind the v1 and
 * v2 routes. Bodies are the Formance `{"data": ...}` envelopes, the same in both versions.
 */
@Injectable()
export class WorkflowOperations {
  constructor(
    private readonly commands: GatewayCommandClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** listWorkflows: live workflows by (createdAt, id); no filters. */
  readonly listing: ListSource<Workflow, Record<string, never>> = {
    name: 'workflows',
    filtersSchema: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
    filtersFrom: () => ({}),
    fetch: async (_filters, page, requestId) => {
      const data = await callService(this.commands, COMMANDS.orchestrator.listWorkflows, page ? { page } : {}, z.array(workflowSchema), requestId);
      return data.map(publicWorkflow);
    },
    keyOf: (workflow) => ({ createdAt: workflow.createdAt, id: workflow.id }),
  };

  async create(req: Request, requestId?: string): Promise<{ data: Workflow }> {
    const config = workflowConfigFromBody(req);
    const data = await callService(this.commands, COMMANDS.orchestrator.createWorkflow, { config }, workflowSchema, requestId);
    return { data: publicWorkflow(data) };
  }

  async get(id: string, requestId?: string): Promise<{ data: Workflow }> {
    const data = await callService(this.commands, COMMANDS.orchestrator.getWorkflow, { id }, workflowSchema, requestId);
    return { data: publicWorkflow(data) };
  }

  async delete(id: string, requestId?: string): Promise<void> {
    assertUuid(id, 'workflow id');
    await callService(this.commands, COMMANDS.orchestrator.deleteWorkflow, { id }, emptyReplyDataSchema, requestId);
  }

  /** Our extension: pause, body `{"mode": "queue" | "drop"}` (default queue). */
  async pause(id: string, body: unknown, requestId?: string): Promise<{ data: Workflow }> {
    const mode = body && typeof body === 'object' && !Array.isArray(body) ? (body as { mode?: unknown }).mode ?? 'queue' : body === undefined || body === null || body === '' ? 'queue' : undefined;
    if (mode !== 'queue' && mode !== 'drop') throw new ApiError(400, 'VALIDATION', `unmarshalling json body: 'mode' must be "queue" or "drop"`);
    const data = await callService(this.commands, COMMANDS.orchestrator.pauseWorkflow, { id, mode }, workflowSchema, requestId);
    return { data: publicWorkflow(data) };
  }

  /** Our extension: resume; answers how many queued starts it released. */
  async resume(id: string, requestId?: string): Promise<{ data: { released: number } }> {
    return { data: await callService(this.commands, COMMANDS.orchestrator.resumeWorkflow, { id }, resumeWorkflowReplySchema, requestId) };
  }

  /** runWorkflow: 201 at once, or with `wait=true|1` once the instance terminated (bounded wait). */
  async run(workflowId: string, req: Request, wait: unknown, requestId?: string): Promise<{ data: WorkflowInstance }> {
    const variables = variablesFromBody(req.body);
    // Our extension: `metadata[<key>]=<value>` query params label the instance.
    const metadata = metadataFromQuery(req.query as Record<string, unknown>);
    const started = await callService(
      this.commands,
      COMMANDS.orchestrator.startInstance,
      { workflowId, variables, ...(metadata ? { metadata } : {}) },
      workflowInstanceSchema,
      requestId,
    );
    if (!truthyQuery(wait)) return { data: started };
    const deadline = Date.now() + this.config.ORCHESTRATION_RUN_WAIT_TIMEOUT_MS;
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      const current = await callService(
        this.commands,
        COMMANDS.orchestrator.getInstance,
        { id: started.id },
        workflowInstanceSchema,
        requestId,
      );
      if (current.terminated || Date.now() >= deadline) return { data: current };
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(1, deadline - Date.now()))));
    }
  }
}

/** Formance always emits `deletedAt` (null unless deleted). */
function publicWorkflow(workflow: Workflow): Workflow {
  return { ...workflow, deletedAt: workflow.deletedAt ?? (null as unknown as undefined) };
}
