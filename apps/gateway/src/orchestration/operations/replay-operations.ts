import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { COMMANDS, createReplayRequestSchema, Replay, replaySchema } from '@wfp/contracts';
import { GatewayCommandClient } from '../../commands/commands.module';
import { callService } from '../../commands/call-service';
import { ApiError } from '../../http/api-error';
import type { ListSource } from './list-source';

const replayListSchema = z.array(replaySchema);

/**
 * Event replays through triggers (our extension, v2 only): create a durable replay job, read its
 * progress and counts, list replays, abort one. The triggers service owns the jobs.
 */
@Injectable()
export class ReplayOperations {
  constructor(private readonly commands: GatewayCommandClient) {}

  readonly listing: ListSource<Replay, Record<string, never>> = {
    name: 'replays',
    filtersSchema: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
    filtersFrom: () => ({}),
    fetch: (_filters, page, requestId) => callService(this.commands, COMMANDS.triggers.listReplays, page ? { page } : {}, replayListSchema, requestId),
    keyOf: (replay) => ({ createdAt: replay.createdAt, id: replay.id }),
  };

  /** The body, checked here so a client mistake is a 400 naming the field. */
  async create(body: unknown, requestId?: string): Promise<Replay> {
    const parsed = createReplayRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new ApiError(400, 'VALIDATION', `invalid replay: ${at}${issue?.message ?? 'invalid body'}`);
    }
    return callService(this.commands, COMMANDS.triggers.createReplay, parsed.data, replaySchema, requestId);
  }

  async get(id: string, requestId?: string): Promise<{ data: Replay }> {
    return { data: await callService(this.commands, COMMANDS.triggers.getReplay, { id }, replaySchema, requestId) };
  }

  async abort(id: string, requestId?: string): Promise<{ data: Replay }> {
    return { data: await callService(this.commands, COMMANDS.triggers.abortReplay, { id }, replaySchema, requestId) };
  }
}
