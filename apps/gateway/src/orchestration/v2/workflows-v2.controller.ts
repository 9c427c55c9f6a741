import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import type { Workflow, WorkflowInstance } from '@wfp/contracts';
import { RequestId } from '../../http/request-id.decorator';
import { FormanceAuth } from '../../formance-auth/formance-auth.decorator';
import type { CursorPage } from '../formance-v2-wire';
import { CursorPaging } from '../paging/cursor-paging';
import { WorkflowOperations } from '../operations/workflow-operations';

/** Formance Orchestration v2 workflow routes (bindings only: the operations are shared with v1; lists page with cursors). */
@FormanceAuth()
@Controller('api/orchestration/v2/workflows')
export class WorkflowsV2Controller {
  constructor(
    private readonly ops: WorkflowOperations,
    private readonly paging: CursorPaging,
  ) {}

  @Get()
  list(@Query() query: Record<string, unknown>, @RequestId() requestId?: string): Promise<CursorPage<Workflow>> {
    return this.paging.page(this.ops.listing, query, {}, requestId);
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

  /** Our extension: new starts are queued (`{"mode": "queue"}`, the default) or dropped until resume. */
  @Put(':flowId/pause')
  @HttpCode(200)
  pause(@Param('flowId') id: string, @Body() body: unknown, @RequestId() requestId?: string): Promise<{ data: Workflow }> {
    return this.ops.pause(id, body, requestId);
  }

  /** Our extension: starts run again; the queued ones run now. */
  @Put(':flowId/resume')
  @HttpCode(200)
  resume(@Param('flowId') id: string, @RequestId() requestId?: string): Promise<{ data: { released: number } }> {
    return this.ops.resume(id, requestId);
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
