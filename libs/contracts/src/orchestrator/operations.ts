import { z } from 'zod';
import { workflowConfigSchema } from './workflow';
import { keysetPageSchema } from '../paging';
import { METADATA_LIMITS } from './instance';

/** createWorkflow: the config as the client sent it (stored verbatim). */
export const createWorkflowRequestSchema = z.object({ config: z.unknown() });
export type CreateWorkflowRequest = z.infer<typeof createWorkflowRequestSchema>;

/** listWorkflows: every live workflow, or one keyset page of them when `page` is given. */
export const listWorkflowsRequestSchema = z.object({ page: keysetPageSchema.optional() }).passthrough();
export type ListWorkflowsRequest = z.infer<typeof listWorkflowsRequestSchema>;
export const deleteWorkflowRequestSchema = z.object({ id: z.string() });

/**
 * Which instances (a list, a search, a bulk action's selection): every given condition holds.
 * `metadata`: each key has that value; `createdAfter` / `createdBefore`: RFC 3339, exclusive.
 */
export const instanceFilterSchema = z.object({
  workflowID: z.string().optional(),
  running: z.boolean().optional(),
  status: z.enum(['running', 'succeeded', 'failed', 'canceled']).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  createdAfter: z.iso.datetime({ offset: true }).optional(),
  createdBefore: z.iso.datetime({ offset: true }).optional(),
});
export type InstanceFilter = z.infer<typeof instanceFilterSchema>;

export const listInstancesRequestSchema = instanceFilterSchema.extend({
  /** One keyset page instead of every match. */
  page: keysetPageSchema.optional(),
});

/** Sets or removes (null) metadata keys of an instance; the others are kept. */
export const setInstanceMetadataRequestSchema = z.object({
  id: z.string(),
  metadata: z.record(z.string().min(1).max(METADATA_LIMITS.keyLength), z.string().max(METADATA_LIMITS.valueLength).nullable()),
});
export type SetInstanceMetadataRequest = z.infer<typeof setInstanceMetadataRequestSchema>;
export type ListInstancesRequest = z.infer<typeof listInstancesRequestSchema>;

export const instanceIdRequestSchema = z.object({ id: z.string() });
export type InstanceIdRequest = z.infer<typeof instanceIdRequestSchema>;

export const sendEventRequestSchema = z.object({ id: z.string(), name: z.string() });
export type SendEventRequest = z.infer<typeof sendEventRequestSchema>;

export const stageHistoryRequestSchema = z.object({ id: z.string(), stage: z.number().int().min(0) });
export type StageHistoryRequest = z.infer<typeof stageHistoryRequestSchema>;

/** One entry per started stage (`name` = `Run<Kind>`, `input` = the resolved stage). */
export const instanceHistorySchema = z.object({
  name: z.string(),
  input: z.record(z.string(), z.unknown()),
  error: z.string().optional(),
  terminated: z.boolean(),
  startedAt: z.string(),
  terminatedAt: z.string().optional(),
  /** Our extension (present once redriven): how many times a redrive ran this stage again. */
  redrives: z.number().int().optional(),
  /** Our extension: the stage's error before its last redrive. */
  errorBeforeRedrive: z.string().optional(),
});
export type InstanceHistory = z.infer<typeof instanceHistorySchema>;

/** One entry per external call a stage made. */
export const stageHistorySchema = z.object({
  name: z.string(),
  input: z.record(z.string(), z.unknown()),
  output: z.record(z.string(), z.unknown()).optional(),
  error: z.string().optional(),
  terminated: z.boolean(),
  startedAt: z.string(),
  terminatedAt: z.string().optional(),
  lastFailure: z.string().optional(),
  attempt: z.number().int(),
  nextExecution: z.string().optional(),
});
export type StageHistory = z.infer<typeof stageHistorySchema>;

export const emptyReplyDataSchema = z.object({}).passthrough();
export { workflowConfigSchema };
