import { z } from 'zod';
import { cancelOnSchema } from './cancel-on';
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
/**
 * Instance metadata (our extension): string labels set at start (the API, a trigger's `metadata`
 * CEL map) or later (`PUT /v2/instances/{id}/metadata`), indexed, to search instances and select
 * them for bulk actions. At most 32 keys; keys 1–64 characters, values at most 256.
 */
export const METADATA_LIMITS = { keys: 32, keyLength: 64, valueLength: 256 } as const;
export const metadataSchema = z
  .record(z.string().min(1).max(METADATA_LIMITS.keyLength), z.string().max(METADATA_LIMITS.valueLength))
  .refine((value) => Object.keys(value).length <= METADATA_LIMITS.keys, { message: `at most ${METADATA_LIMITS.keys} metadata keys` });
export type InstanceMetadata = z.infer<typeof metadataSchema>;

export const workflowInstanceSchema = z.object({
  id: z.string(),
  workflowID: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  status: z.array(stageStatusSchema).optional(),
  terminated: z.boolean(),
  terminatedAt: z.string().optional(),
  error: z.string().optional(),
  /** Our extension: present when the instance has metadata. */
  metadata: z.record(z.string(), z.string()).optional(),
  /** Our extension: the bus event that canceled the instance (cancel_on). */
  canceledBy: z.string().optional(),
  workflow: workflowSchema.optional(),
});
export type WorkflowInstance = z.infer<typeof workflowInstanceSchema>;

export const startOriginSchema = z.object({
  triggerId: z.string().max(200).optional(),
  scheduleId: z.string().max(200).optional(),
  /** The bus event that fired the trigger. */
  eventId: z.string().max(200).optional(),
});
export type StartOrigin = z.infer<typeof startOriginSchema>;

/**
 * Start an instance. With `idempotencyKey`, the same key always returns the instance the first
 * call created (trigger matching uses `<triggerId>:<eventId>`). Unknown or deleted workflow → NOT_FOUND.
 */
export const startInstanceRequestSchema = z.object({
  workflowId: z.string(),
  variables: z.record(z.string(), z.string()).default({}),
  idempotencyKey: z.string().min(1).max(400).optional(),
  /**
   * Depth of the trigger chain that started this instance (the triggers' loop guard): events the
   * instance publishes carry `chain_depth` one deeper. Absent: 0 (started by a user).
   */
  chainDepth: z.number().int().min(0).max(1000).optional(),
  /** Our extension: labels to search and select the instance by. */
  metadata: metadataSchema.optional(),
  /**
   * Our extension: what started the instance (a trigger's occurrence, a schedule's tick); its
   * instance-level lifecycle events carry it (`triggerID`, `scheduleID`, `eventID`).
   */
  origin: startOriginSchema.optional(),
  /** Our extension: the starting trigger's `cancel_on` (the workflow's own are added to them). */
  cancelOn: cancelOnSchema.optional(),
  /** The payload of the event that started the instance (`event` in `cancel_on` conditions). */
  triggerEvent: z.record(z.string(), z.unknown()).optional(),
});
export type StartInstanceRequest = z.infer<typeof startInstanceRequestSchema>;
export type StartInstanceRequestInput = z.input<typeof startInstanceRequestSchema>;

export const startInstanceReplyDataSchema = workflowInstanceSchema;

/**
 * Start many instances in one command (one transaction on the orchestrator). Each item is
 * independent: its own workflow, variables and idempotency key, and its own result, in order —
 * a NOT_FOUND workflow fails that item only. Used by the trigger matcher and the Solvimon API.
 */
export const startManyInstancesRequestSchema = z.object({
  items: z.array(startInstanceRequestSchema).min(1).max(1000),
});
export type StartManyInstancesRequest = z.infer<typeof startManyInstancesRequestSchema>;
export type StartManyInstancesRequestInput = z.input<typeof startManyInstancesRequestSchema>;

export const startManyItemResultSchema = z.union([
  z.object({ ok: z.literal(true), data: workflowInstanceSchema }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }) }),
]);
export type StartManyItemResult = z.infer<typeof startManyItemResultSchema>;

/** One result per requested item, in the order of `items`. */
export const startManyInstancesReplyDataSchema = z.object({ results: z.array(startManyItemResultSchema) });
export type StartManyInstancesReplyData = z.infer<typeof startManyInstancesReplyDataSchema>;
