import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import type { Trigger, TriggerOccurrence } from '@wfp/contracts';
import { RequestId } from '../../http/request-id.decorator';
import { FormanceAuth } from '../../formance-auth/formance-auth.decorator';
import { TriggerOperations } from '../operations/trigger-operations';
import type { CursorPage, V2TestTriggerResponse, V2TriggerFlowStateResponse } from '../formance-v2-wire';
import { CursorPaging } from '../paging/cursor-paging';

/**
 * Formance Orchestration v2 trigger routes (bindings only: the operations are shared with v1;
 * lists page with cursors; v2 adds test and, as an extension, the flow-control state).
 */
@FormanceAuth()
@Controller('api/orchestration/v2/triggers')
export class TriggersV2Controller {
  constructor(
    private readonly ops: TriggerOperations,
    private readonly paging: CursorPaging,
  ) {}

  @Get()
  list(@Query() query: Record<string, unknown>, @RequestId() requestId?: string): Promise<CursorPage<Trigger>> {
    return this.paging.page(this.ops.listing, query, {}, requestId);
  }

  @Post()
  @HttpCode(201)
  create(@Req() req: Request, @RequestId() requestId?: string): Promise<{ data: Trigger }> {
    return this.ops.create(req, requestId);
  }

  @Get(':triggerID')
  read(@Param('triggerID') id: string, @RequestId() requestId?: string): Promise<{ data: Trigger }> {
    return this.ops.read(id, requestId);
  }

  @Delete(':triggerID')
  @HttpCode(204)
  delete(@Param('triggerID') id: string, @RequestId() requestId?: string): Promise<void> {
    return this.ops.delete(id, requestId);
  }

  @Post(':triggerID/test')
  @HttpCode(200)
  test(@Param('triggerID') id: string, @Req() req: Request, @RequestId() requestId?: string): Promise<V2TestTriggerResponse> {
    return this.ops.test(id, req, requestId);
  }

  /** Flow control (extension): running and queued counts per key. */
  @Get(':triggerID/flow')
  flow(@Param('triggerID') id: string, @RequestId() requestId?: string): Promise<V2TriggerFlowStateResponse> {
    return this.ops.flowState(id, requestId);
  }

  @Get(':triggerID/occurrences')
  occurrences(
    @Param('triggerID') triggerID: string,
    @Query() query: Record<string, unknown>,
    @RequestId() requestId?: string,
  ): Promise<CursorPage<TriggerOccurrence>> {
    return this.paging.page(this.ops.occurrences, query, { triggerID }, requestId);
  }
}
