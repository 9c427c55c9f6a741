import { z } from 'zod';

/** `app` of the events the interventions service publishes. */
export const INTERVENTIONS_APP = 'interventions';
export const INTERVENTIONS_EVENTS_VERSION = 'v1';

export const INTERVENTION_EVENT_TYPES = [
  'intervention.opened',
  'intervention.reopened',
  'intervention.closed',
  'intervention.canceled',
  'intervention.user_updated',
  'intervention.assigned',
  'intervention.recategorized',
  'intervention.custom_fields_updated',
] as const;
export type InterventionEventType = (typeof INTERVENTION_EVENT_TYPES)[number];

/**
 * Payload of every intervention event: the intervention's metadata as Engage webhooks carry it,
 * plus its id and the user who acted.
 */
export const interventionEventPayloadSchema = z.object({
  id: z.string(),
  source_id: z.string(),
  thread_id: z.string(),
  user_id: z.string().nullable(),
  identity_id: z.string().nullable(),
  category_ids: z.array(z.string()),
  closed_at: z.string().nullable(),
  deferred_at: z.string().nullable(),
  custom_field_values: z.record(z.string(), z.unknown()),
  acting_user_id: z.string().nullable(),
});
export type InterventionEventPayload = z.infer<typeof interventionEventPayloadSchema>;

/** A customer message arriving from a channel (consumed by the interventions service). */
export const CONTENT_CREATED_EVENT_TYPE = 'content.created';
export const contentCreatedPayloadSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{24}$/),
  source_id: z.string().regex(/^[0-9a-f]{24}$/),
  thread_id: z.string().regex(/^[0-9a-f]{24}$/),
  identity_id: z.string().regex(/^[0-9a-f]{24}$/),
  body: z.string(),
  created_at: z.string().optional(),
});
export type ContentCreatedPayload = z.infer<typeof contentCreatedPayloadSchema>;
