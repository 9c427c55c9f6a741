import { z } from 'zod';
import { keysetPageSchema } from '../paging';
import { instanceFilterSchema } from './operations';

/**
 * Bulk actions as durable jobs (our extension): an action (cancel, redrive, send an event) over
 * a selection of instances — by ids, or by a filter that must say something — frozen when the job
 * is created, applied at most `maxPerSecond` instances a second by the orchestrator, surviving
 * restarts; progress is readable and the job can be aborted.
 */
export const BULK_LIMITS = { ids: 10_000, maxPerSecond: 10_000, defaultPerSecond: 100 } as const;

export const bulkActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('cancel') }),
  z.object({ type: z.literal('redrive') }),
  z.object({ type: z.literal('send_event'), event: z.string().min(1).max(256) }),
]);
export type BulkAction = z.infer<typeof bulkActionSchema>;

/** A filter that selects something (an empty one would select every instance: refused). */
const nonEmptyFilterSchema = instanceFilterSchema.refine(
  (filter) => Object.entries(filter).some(([key, value]) => value !== undefined && !(key === 'metadata' && Object.keys(value as object).length === 0) && value !== false),
  { message: 'an empty filter would select every instance: give at least one condition' },
);

export const bulkSelectionSchema = z.union([
  z.object({ ids: z.array(z.string()).min(1).max(BULK_LIMITS.ids) }).strict(),
  z.object({ filter: nonEmptyFilterSchema }).strict(),
]);
export type BulkSelection = z.infer<typeof bulkSelectionSchema>;

export const createBulkJobRequestSchema = z.object({
  action: bulkActionSchema,
  selection: bulkSelectionSchema,
  maxPerSecond: z.number().int().min(1).max(BULK_LIMITS.maxPerSecond).default(BULK_LIMITS.defaultPerSecond),
  /** Only count the selection; create nothing. */
  preview: z.boolean().default(false),
});
export type CreateBulkJobRequest = z.infer<typeof createBulkJobRequestSchema>;
export type CreateBulkJobRequestInput = z.input<typeof createBulkJobRequestSchema>;

export const bulkJobSchema = z.object({
  id: z.string(),
  action: bulkActionSchema,
  status: z.enum(['running', 'succeeded', 'aborted']),
  maxPerSecond: z.number().int(),
  /** Instances selected at creation. */
  total: z.number().int(),
  /** Instances the action was applied to so far (succeeded + failed). */
  done: z.number().int(),
  succeeded: z.number().int(),
  /** The action did not apply (e.g. a cancel of an instance that had ended meanwhile), with why. */
  failed: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
});
export type BulkJob = z.infer<typeof bulkJobSchema>;

export const createBulkJobReplySchema = z.union([bulkJobSchema, z.object({ preview: z.object({ total: z.number().int() }) })]);
export type CreateBulkJobReply = z.infer<typeof createBulkJobReplySchema>;

export const bulkJobIdRequestSchema = z.object({ id: z.string() });
export const listBulkJobsRequestSchema = z.object({ page: keysetPageSchema.optional() });

/** One item that failed, with its error (the first ones, for the job's description). */
export const bulkJobFailureSchema = z.object({ instanceID: z.string(), error: z.string() });
