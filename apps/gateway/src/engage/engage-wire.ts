import { z } from 'zod';
import { contentSchema, interventionListSchema, interventionSchema } from '@wfp/contracts';

/**
 * The Engage Digital wire shapes the gateway answers with: the single source of the controller's
 * return types and of the `engage` OpenAPI document (docs/openapi/engage.json).
 */

/** Engage error body: `{error, message, status}`, 422 with `errors[]`. */
export const engageErrorSchema = z.object({
  error: z.string(),
  message: z.string(),
  status: z.number().int(),
  errors: z.array(z.object({ attribute: z.string(), type: z.string(), message: z.string() })).optional(),
});
export type EngageError = z.infer<typeof engageErrorSchema>;

export const engageInterventionSchema = interventionSchema;
export const engageInterventionListSchema = interventionListSchema;
/** The reply operation answers the created content (every field optional, others kept). */
export const engageReplyContentSchema = contentSchema.partial().passthrough();
export type EngageReplyContent = z.infer<typeof engageReplyContentSchema>;
