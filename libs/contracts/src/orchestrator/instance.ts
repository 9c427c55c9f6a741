import { z } from 'zod';
import { workflowSchema } from './workflow';

export const stageStatusSchema = z.object({
  stage: z.number(),
  instanceID: z.string(),
  startedAt: z.string(),
  terminatedAt: z.string().optional(),
  error: z.string().optional(),
});
export type StageStatus = z.infer<typeof stageStatusSchema>;

/** A workflow instance as the Formance v1 API shows it. */
export const workflowInstanceSchema = z.object({
  id: z.string(),
  workflowID: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  status: z.array(stageStatusSchema).optional(),
  terminated: z.boolean(),
  terminatedAt: z.string().optional(),
  error: z.string().optional(),
  workflow: workflowSchema.optional(),
});
export type WorkflowInstance = z.infer<typeof workflowInstanceSchema>;

/**
 * Start an instance. With `idempotencyKey`, the same key always returns the instance the first
 * call created (trigger matching uses `<triggerId>:<eventId>`). Unknown or deleted workflow → NOT_FOUND.
 */
export const startInstanceRequestSchema = z.object({
  workflowId: z.string(),
  variables: z.record(z.string(), z.string()).default({}),
  idempotencyKey: z.string().min(1).max(400).optional(),
});
export type StartInstanceRequest = z.infer<typeof startInstanceRequestSchema>;
export type StartInstanceRequestInput = z.input<typeof startInstanceRequestSchema>;

export const startInstanceReplyDataSchema = workflowInstanceSchema;
