import { Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import {
  COMMANDS,
  emptyReplyDataSchema,
  Workflow,
  WorkflowInstance,
  workflowInstanceSchema,
  workflowSchema,
} from '@wfp/contracts';
import { FormanceWorkflow } from './formance-v1-wire';
import { GatewayCommandClient } from '../commands/commands.module';
import { callService } from '../commands/call-service';
import { RequestId } from '../http/request-id.decorator';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { assertUuid, truthyQuery, variablesFromBody, workflowConfigFromBody } from './orchestration-api';

/** Formance Orchestration v1 workflows (and runWorkflow). */
@Controller('api/orchestration/workflows')
export class WorkflowsController {
  constructor(
    private readonly commands: GatewayCommandClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get()
  async list(@RequestId() requestId?: string): Promise<{ data: FormanceWorkflow[] }> {
    const data = await callService(this.commands, COMMANDS.orchestrator.listWorkflows, {}, z.array(workflowSchema), requestId);
    return { data: data.map(publicWorkflow) };
  }

  @Post()
  @HttpCode(201)
  async create(@Req() req: Request, @RequestId() requestId?: string): Promise<{ data: FormanceWorkflow }> {
    const config = workflowConfigFromBody(req);
    const data = await callService(this.commands, COMMANDS.orchestrator.createWorkflow, { config }, workflowSchema, requestId);
    return { data: publicWorkflow(data) };
  }

  @Get(':flowId')
  async get(@Param('flowId') id: string, @RequestId() requestId?: string): Promise<{ data: FormanceWorkflow }> {
    const data = await callService(this.commands, COMMANDS.orchestrator.getWorkflow, { id }, workflowSchema, requestId);
    return { data: publicWorkflow(data) };
  }

  @Delete(':flowId')
  @HttpCode(204)
  async delete(@Param('flowId') id: string, @RequestId() requestId?: string): Promise<void> {
    assertUuid(id, 'workflow id');
    await callService(this.commands, COMMANDS.orchestrator.deleteWorkflow, { id }, emptyReplyDataSchema, requestId);
  }

  /** runWorkflow: 201 at once, or with `wait=true|1` once the instance terminated (bounded wait). */
  @Post(':workflowID/instances')
  @HttpCode(201)
  async run(
    @Param('workflowID') workflowId: string,
    @Req() req: Request,
    @Query('wait') wait?: unknown,
    @RequestId() requestId?: string,
  ): Promise<{ data: WorkflowInstance }> {
    const variables = variablesFromBody(req.body);
    const started = await callService(
      this.commands,
      COMMANDS.orchestrator.startInstance,
      { workflowId, variables },
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
function publicWorkflow(workflow: Workflow): FormanceWorkflow {
  return { ...workflow, deletedAt: workflow.deletedAt ?? null };
}
