import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import type { InstanceHistory, StageHistory, WorkflowInstance } from '@wfp/contracts';
import { RequestId } from '../../http/request-id.decorator';
import { FormanceAuth } from '../../formance-auth/formance-auth.decorator';
import type { CursorPage } from '../formance-v2-wire';
import { CursorPaging } from '../paging/cursor-paging';
import { InstanceOperations } from '../operations/instance-operations';

/** Formance Orchestration v2 instance routes (bindings only: the operations are shared with v1; lists page with cursors). */
@FormanceAuth()
@Controller('api/orchestration/v2/instances')
export class InstancesV2Controller {
  constructor(
    private readonly ops: InstanceOperations,
    private readonly paging: CursorPaging,
  ) {}

  @Get()
  list(@Query() query: Record<string, unknown>, @RequestId() requestId?: string): Promise<CursorPage<WorkflowInstance>> {
    return this.paging.page(this.ops.listing, query, {}, requestId);
  }

  @Get(':instanceID')
  get(@Param('instanceID') id: string, @RequestId() requestId?: string): Promise<{ data: WorkflowInstance }> {
    return this.ops.get(id, requestId);
  }

  @Post(':instanceID/events')
  @HttpCode(204)
  sendEvent(@Param('instanceID') id: string, @Body() body: unknown, @RequestId() requestId?: string): Promise<void> {
    return this.ops.sendEvent(id, body, requestId);
  }

  @Put(':instanceID/abort')
  @HttpCode(204)
  abort(@Param('instanceID') id: string, @RequestId() requestId?: string): Promise<void> {
    return this.ops.abort(id, requestId);
  }

  /** Our extension: set (a string) or remove (null) metadata keys. */
  @Put(':instanceID/metadata')
  @HttpCode(204)
  setMetadata(@Param('instanceID') id: string, @Body() body: unknown, @RequestId() requestId?: string): Promise<void> {
    return this.ops.setMetadata(id, body, requestId);
  }

  /** Our extension: run a failed instance again from its failed stage. */
  @Put(':instanceID/redrive')
  @HttpCode(204)
  redrive(@Param('instanceID') id: string, @RequestId() requestId?: string): Promise<void> {
    return this.ops.redrive(id, requestId);
  }

  @Get(':instanceID/history')
  history(@Param('instanceID') id: string, @RequestId() requestId?: string): Promise<{ data: InstanceHistory[] }> {
    return this.ops.history(id, requestId);
  }

  @Get(':instanceID/stages/:number/history')
  stageHistory(
    @Param('instanceID') id: string,
    @Param('number') number: string,
    @RequestId() requestId?: string,
  ): Promise<{ data: StageHistory[] }> {
    return this.ops.stageHistory(id, number, requestId);
  }
}
