import { z } from 'zod';
import { eventEnvelopeSchema } from '@wfp/contracts';

/**
 * The `/api/events` wire shapes: the single source of the controller's validation and of the
 * `events` OpenAPI document (docs/openapi/events.json).
 */

/** The request body: an event envelope whose `id`, `idempotency_key` and `date` may be left out. */
export const ingestEventBodySchema = eventEnvelopeSchema
  .extend({
    id: eventEnvelopeSchema.shape.id.optional(),
    idempotency_key: eventEnvelopeSchema.shape.idempotency_key.optional(),
    date: eventEnvelopeSchema.shape.date.optional(),
  })
  .strict();

/** 202: the event's id, and whether it was a duplicate (dropped). */
export const ingestEventResponseSchema = z.object({ id: z.string(), duplicate: z.boolean() });
export type IngestEventResponse = z.infer<typeof ingestEventResponseSchema>;
