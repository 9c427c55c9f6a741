import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import type { Replay } from '@wfp/contracts';
import { RequestId } from '../../http/request-id.decorator';
import { FormanceAuth } from '../../formance-auth/formance-auth.decorator';
import type { CursorPage } from '../formance-v2-wire';
import { CursorPaging } from '../paging/cursor-paging';
import { ReplayOperations } from '../operations/replay-operations';

/**
 * Event replays through triggers (our extension): `POST` creates a durable replay (201), `GET`
 * lists and reads them (progress, counts, a dry run's matches), `PUT …/abort` stops one — the
 * same verbs as the bulk actions.
 */
@FormanceAuth()
@Controller('api/orchestration/v2/replays')
export class ReplaysV2Controller {
  constructor(
    private readonly ops: ReplayOperations,
    private readonly paging: CursorPaging,
  ) {}

  @Post()
  async create(@Body() body: unknown, @RequestId() requestId?: string): Promise<{ data: Replay }> {
    return { data: await this.ops.create(body, requestId) };
  }

  @Get()
  list(@Query() query: Record<string, unknown>, @RequestId() requestId?: string): Promise<CursorPage<Replay>> {
    return this.paging.page(this.ops.listing, query, {}, requestId);
  }

  @Get(':replayID')
  get(@Param('replayID') id: string, @RequestId() requestId?: string): Promise<{ data: Replay }> {
    return this.ops.get(id, requestId);
  }

  @Put(':replayID/abort')
  @HttpCode(200)
  abort(@Param('replayID') id: string, @RequestId() requestId?: string): Promise<{ data: Replay }> {
    return this.ops.abort(id, requestId);
  }
}
