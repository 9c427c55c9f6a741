import { Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import type { Schedule } from '@wfp/contracts';
import { RequestId } from '../../http/request-id.decorator';
import { FormanceAuth } from '../../formance-auth/formance-auth.decorator';
import { ScheduleOperations } from '../operations/schedule-operations';
import type { CursorPage } from '../formance-v2-wire';
import type { V2BackfillScheduleResponse, V2DescribeScheduleResponse, V2ScheduleResponse, V2TriggerScheduleResponse } from '../schedules-wire';
import { CursorPaging } from '../paging/cursor-paging';

/** Schedules under Formance Orchestration v2 (bindings only; docs/schedules.md). */
@FormanceAuth()
@Controller('api/orchestration/v2/schedules')
export class SchedulesV2Controller {
  constructor(
    private readonly ops: ScheduleOperations,
    private readonly paging: CursorPaging,
  ) {}

  @Get()
  list(@Query() query: Record<string, unknown>, @RequestId() requestId?: string): Promise<CursorPage<Schedule>> {
    return this.paging.page(this.ops.listing, query, {}, requestId);
  }

  @Post()
  @HttpCode(201)
  create(@Req() req: Request, @RequestId() requestId?: string): Promise<V2ScheduleResponse> {
    return this.ops.create(req, requestId);
  }

  @Get(':scheduleID')
  read(@Param('scheduleID') id: string, @RequestId() requestId?: string): Promise<V2ScheduleResponse> {
    return this.ops.read(id, requestId);
  }

  @Put(':scheduleID')
  update(@Param('scheduleID') id: string, @Req() req: Request, @RequestId() requestId?: string): Promise<V2ScheduleResponse> {
    return this.ops.update(id, req, requestId);
  }

  @Delete(':scheduleID')
  @HttpCode(204)
  delete(@Param('scheduleID') id: string, @RequestId() requestId?: string): Promise<void> {
    return this.ops.delete(id, requestId);
  }

  @Post(':scheduleID/pause')
  @HttpCode(200)
  pause(@Param('scheduleID') id: string, @Req() req: Request, @RequestId() requestId?: string): Promise<V2ScheduleResponse> {
    return this.ops.pause(id, req, requestId);
  }

  @Post(':scheduleID/unpause')
  @HttpCode(200)
  unpause(@Param('scheduleID') id: string, @Req() req: Request, @RequestId() requestId?: string): Promise<V2ScheduleResponse> {
    return this.ops.unpause(id, req, requestId);
  }

  @Post(':scheduleID/trigger')
  @HttpCode(200)
  trigger(@Param('scheduleID') id: string, @Req() req: Request, @RequestId() requestId?: string): Promise<V2TriggerScheduleResponse> {
    return this.ops.trigger(id, req, requestId);
  }

  @Post(':scheduleID/backfill')
  @HttpCode(200)
  backfill(@Param('scheduleID') id: string, @Req() req: Request, @RequestId() requestId?: string): Promise<V2BackfillScheduleResponse> {
    return this.ops.backfill(id, req, requestId);
  }

  @Get(':scheduleID/describe')
  describe(@Param('scheduleID') id: string, @Query() query: Record<string, unknown>, @RequestId() requestId?: string): Promise<V2DescribeScheduleResponse> {
    return this.ops.describe(id, query, requestId);
  }
}
