import { z } from 'zod';
import {
  cancelOnSchema,
  instanceHistorySchema,
  infoReplyDataSchema,
  stageHistorySchema,
  triggerOccurrenceSchema,
  triggerPolicySchema as triggerPolicyInputSchema,
  triggerSchema,
  workflowConfigSchema,
  workflowInstanceSchema,
  workflowSchema,
} from '@wfp/contracts';

/**
 * The Formance Orchestration v1 wire shapes the gateway answers with: the single source of the
 * controllers' return types and of the `formance-v1` OpenAPI document (docs/openapi/formance-v1.json).
 */

/** Formance's error codes: exactly these three (OpenAPI `Error.errorCode`). */
export const FORMANCE_ERROR_CODES = ['VALIDATION', 'NOT_FOUND', 'INTERNAL'] as const;
export const formanceErrorSchema = z.object({
  errorCode: z.enum(FORMANCE_ERROR_CODES),
  errorMessage: z.string(),
});
export type FormanceError = z.infer<typeof formanceErrorSchema>;

/** A workflow on the wire: Formance always emits `deletedAt` (null unless deleted). */
export const formanceWorkflowSchema = workflowSchema.omit({ deletedAt: true }).extend({
  deletedAt: z.string().nullable(),
});
export type FormanceWorkflow = z.infer<typeof formanceWorkflowSchema>;

/** Formance wraps every body in `{ data }`. */
export function dataOf<T extends z.ZodType>(schema: T) {
  return z.object({ data: schema });
}

export const serverInfoSchema = infoReplyDataSchema;
export const listWorkflowsResponseSchema = dataOf(z.array(formanceWorkflowSchema));
export const workflowResponseSchema = dataOf(formanceWorkflowSchema);
export const listInstancesResponseSchema = dataOf(z.array(workflowInstanceSchema));
export const instanceResponseSchema = dataOf(workflowInstanceSchema);
export const instanceHistoryResponseSchema = dataOf(z.array(instanceHistorySchema));
export const stageHistoryResponseSchema = dataOf(z.array(stageHistorySchema));
export const listTriggersResponseSchema = dataOf(z.array(triggerSchema));
export const triggerResponseSchema = dataOf(triggerSchema);
export const listOccurrencesResponseSchema = dataOf(z.array(triggerOccurrenceSchema));

/** Request bodies. */
export const createWorkflowBodySchema = workflowConfigSchema;
export const runWorkflowBodySchema = z.record(z.string(), z.string());
export const sendEventBodySchema = z.object({ name: z.string() });
/** `TriggerData` (checked by the triggers service, in upstream order). */
export const createTriggerBodySchema = z.object({
  name: z.string().optional(),
  event: z.string(),
  version: z.string().optional(),
  workflowID: z.string(),
  filter: z.string().optional(),
  vars: z.record(z.string(), z.string()).optional(),
  /** Flow control (extension, docs/triggers.md#flow-control-policy). */
  policy: triggerPolicyInputSchema.optional(),
  /** Cancel each instance on a bus event (extension, docs/triggers.md#cancel-on). */
  cancel_on: cancelOnSchema.optional(),
});

/** The OAuth2 client-credentials token endpoint (`POST /api/auth/oauth/token`). */
export const oauthTokenResponseSchema = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int(),
  scope: z.string(),
});
export const oauthErrorSchema = z.object({ error: z.string(), error_description: z.string() });
