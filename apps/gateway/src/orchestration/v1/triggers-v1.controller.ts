import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import type { Trigger, TriggerOccurrence } from '@wfp/contracts';
import { RequestId } from '../../http/request-id.decorator';
import { FormanceAuth } from '../../formance-auth/formance-auth.decorator';
import { listAll } from '../operations/list-source';
import { TriggerOperations } from '../operations/trigger-operations';

/** Formance Orchestration v1 trigger routes (bindings only: the operations are shared with v2). */
@FormanceAuth()
@Controller('api/orchestration/triggers')
export class TriggersV1Controller {
  constructor(private readonly ops: TriggerOperations) {}

  @Get()
  list(@Query() query: Record<string, unknown>, @RequestId() requestId?: string): Promise<{ data: Trigger[] }> {
    return listAll(this.ops.listing, query, {}, requestId);
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

  @Get(':triggerID/occurrences')
  occurrences(
    @Param('triggerID') triggerID: string,
    @Query() query: Record<string, unknown>,
    @RequestId() requestId?: string,
  ): Promise<{ data: TriggerOccurrence[] }> {
    return listAll(this.ops.occurrences, query, { triggerID }, requestId);
  }
}
