import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import {
  BulkJob, bulkJobSchema, COMMANDS, CreateBulkJobReply, createBulkJobReplySchema, createBulkJobRequestSchema,
} from '@wfp/contracts';
import { GatewayCommandClient } from '../../commands/commands.module';
import { callService } from '../../commands/call-service';
import { ApiError } from '../../http/api-error';
import type { ListSource } from './list-source';

const bulkJobListSchema = z.array(bulkJobSchema);

/**
 * Bulk actions (our extension, v2 only): create (or preview) a durable job over a selection of
 * instances, read its progress, list jobs, abort one. The orchestrator owns the jobs.
 */
@Injectable()
export class BulkOperations {
  constructor(private readonly commands: GatewayCommandClient) {}

  readonly listing: ListSource<BulkJob, Record<string, never>> = {
    name: 'bulk-actions',
    filtersSchema: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
    filtersFrom: () => ({}),
    fetch: (_filters, page, requestId) => callService(this.commands, COMMANDS.orchestrator.listBulkJobs, page ? { page } : {}, bulkJobListSchema, requestId),
    keyOf: (job) => ({ createdAt: job.createdAt, id: job.id }),
  };

  /** The body, checked here so a client mistake is a 400 naming the field. */
  async create(body: unknown, requestId?: string): Promise<CreateBulkJobReply> {
    const parsed = createBulkJobRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new ApiError(400, 'VALIDATION', `invalid bulk action: ${at}${issue?.message ?? 'invalid body'}`);
    }
    return callService(this.commands, COMMANDS.orchestrator.createBulkJob, parsed.data, createBulkJobReplySchema, requestId);
  }

  async get(id: string, requestId?: string): Promise<{ data: BulkJob }> {
    return { data: await callService(this.commands, COMMANDS.orchestrator.getBulkJob, { id }, bulkJobSchema, requestId) };
  }

  async abort(id: string, requestId?: string): Promise<{ data: BulkJob }> {
    return { data: await callService(this.commands, COMMANDS.orchestrator.abortBulkJob, { id }, bulkJobSchema, requestId) };
  }
}
