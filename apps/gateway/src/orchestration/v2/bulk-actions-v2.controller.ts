import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { BulkJob, CreateBulkJobReply } from '@wfp/contracts';
import { RequestId } from '../../http/request-id.decorator';
import { FormanceAuth } from '../../formance-auth/formance-auth.decorator';
import type { CursorPage } from '../formance-v2-wire';
import { CursorPaging } from '../paging/cursor-paging';
import { BulkOperations } from '../operations/bulk-operations';

/**
 * Bulk actions (our extension): `POST` creates a durable job (201) — or, with `"preview": true`,
 * only counts the selection (200) —, `GET` lists and reads jobs, `PUT …/abort` stops one.
 */
@FormanceAuth()
@Controller('api/orchestration/v2/bulk-actions')
export class BulkActionsV2Controller {
  constructor(
    private readonly ops: BulkOperations,
    private readonly paging: CursorPaging,
  ) {}

  @Post()
  async create(@Body() body: unknown, @Res({ passthrough: true }) res: Response, @RequestId() requestId?: string): Promise<{ data: CreateBulkJobReply }> {
    const data = await this.ops.create(body, requestId);
    res.status('preview' in data ? 200 : 201);
    return { data };
  }

  @Get()
  list(@Query() query: Record<string, unknown>, @RequestId() requestId?: string): Promise<CursorPage<BulkJob>> {
    return this.paging.page(this.ops.listing, query, {}, requestId);
  }

  @Get(':bulkActionID')
  get(@Param('bulkActionID') id: string, @RequestId() requestId?: string): Promise<{ data: BulkJob }> {
    return this.ops.get(id, requestId);
  }

  @Put(':bulkActionID/abort')
  @HttpCode(200)
  abort(@Param('bulkActionID') id: string, @RequestId() requestId?: string): Promise<{ data: BulkJob }> {
    return this.ops.abort(id, requestId);
  }
}
