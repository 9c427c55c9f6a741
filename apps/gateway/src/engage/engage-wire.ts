import { z } from 'zod';
import { Content, contentSchema, Intervention, interventionSchema } from '@wfp/contracts';
import { withoutNulls, WithoutNulls } from './without-nulls';

/**
 * The Engage Digital wire shapes the gateway answers with: the single source of the controller's
 * return types and of the `engage` OpenAPI document (docs/openapi/engage.json).
 *
 * The vendor's OpenAPI file declares no field `nullable` and only `id` required: an unset field
 * (`closed_at` of an open intervention, `detected_language` without auto-translation …) is
 * absent from the body, never `null`. The interventions service keeps them `null` on the bus;
 * the gateway drops them here.
 */

/** Engage error body: `{error, message, status}`, 422 with `errors[]`. */
export const engageErrorSchema = z.object({
  error: z.string(),
  message: z.string(),
  status: z.number().int(),
  errors: z.array(z.object({ attribute: z.string(), type: z.string(), message: z.string() })).optional(),
});
export type EngageError = z.infer<typeof engageErrorSchema>;

/** Intervention on the wire: the fields the service may leave unset are optional, not nullable. */
export const engageInterventionSchema = interventionSchema.extend({
  closed_at: z.string().optional(),
  deferred_at: z.string().optional(),
  detected_language: z.string().optional(),
  first_user_reply_id: z.string().optional(),
  first_user_reply_in: z.number().optional(),
  first_user_reply_in_bh: z.number().optional(),
  identity_id: z.string().optional(),
  identity_group_id: z.string().optional(),
  last_user_reply_in: z.number().optional(),
  last_user_reply_in_bh: z.number().optional(),
  user_id: z.string().optional(),
});
export type EngageIntervention = WithoutNulls<Intervention>;

export const engageInterventionListSchema = z.object({
  count: z.number(),
  offset: z.number(),
  limit: z.number(),
  records: z.array(engageInterventionSchema),
});
export interface EngageInterventionList {
  count: number;
  offset: number;
  limit: number;
  records: EngageIntervention[];
}

/** The reply operation answers the created content (every field optional, others kept; unset ones absent). */
export const engageReplyContentSchema = contentSchema
  .extend({
    identity_id: z.string(),
    author_id: z.string(),
    in_reply_to_id: z.string(),
    intervention_id: z.string(),
  })
  .partial()
  .passthrough();
export type EngageReplyContent = WithoutNulls<Partial<Content>> & Record<string, unknown>;

export const toEngageIntervention = (intervention: Intervention): EngageIntervention => withoutNulls(intervention);

export function toEngageInterventionList(list: { count: number; offset: number; limit: number; records: Intervention[] }): EngageInterventionList {
  return { count: list.count, offset: list.offset, limit: list.limit, records: list.records.map(toEngageIntervention) };
}
