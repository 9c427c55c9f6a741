import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import type { Workflow, WorkflowInstance } from '@wfp/contracts';
import { RequestId } from '../../http/request-id.decorator';
import { FormanceAuth } from '../../formance-auth/formance-auth.decorator';
import { listAll } from '../operations/list-source';
import { WorkflowOperations } from '../operations/workflow-operations';

/** Formance Orchestration v1 workflow routes (bindings only: the operations are shared with v2). */
@FormanceAuth()
@Controller('api/orchestration/workflows')
export class WorkflowsV1Controller {
  constructor(private readonly ops: WorkflowOperations) {}

  @Get()
  list(@Query() query: Record<string, unknown>, @RequestId() requestId?: string): Promise<{ data: Workflow[] }> {
    return listAll(this.ops.listing, query, {}, requestId);
  }

  @Post()
  @HttpCode(201)
  create(@Req() req: Request, @RequestId() requestId?: string): Promise<{ data: Workflow }> {
    return this.ops.create(req, requestId);
  }

  @Get(':flowId')
  get(@Param('flowId') id: string, @RequestId() requestId?: string): Promise<{ data: Workflow }> {
    return this.ops.get(id, requestId);
  }

  @Delete(':flowId')
  @HttpCode(204)
  delete(@Param('flowId') id: string, @RequestId() requestId?: string): Promise<void> {
    return this.ops.delete(id, requestId);
  }

  @Post(':workflowID/instances')
  @HttpCode(201)
  run(
    @Param('workflowID') workflowId: string,
    @Req() req: Request,
    @Query('wait') wait?: unknown,
    @RequestId() requestId?: string,
  ): Promise<{ data: WorkflowInstance }> {
    return this.ops.run(workflowId, req, wait, requestId);
  }
}
