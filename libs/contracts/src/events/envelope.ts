import { z } from 'zod';

/**
 * The envelope of every domain event on the bus (compatible with what Formance triggers match):
 * `type` is what a trigger's `event` matches, `version` what its optional `version` matches, and
 * filters see `payload` as `event`.
 */
/** An event type: dot-separated NATS subject tokens (the last tokens of its subject). */
export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export const eventEnvelopeSchema = z.object({
  id: z.string().min(1).max(200),
  idempotency_key: z.string().min(1).max(200),
  date: z.iso.datetime({ offset: true }),
  app: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a NATS subject token'),
  version: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be a NATS subject token'),
  type: z.string().regex(EVENT_TYPE_PATTERN, 'must be dot-separated NATS subject tokens').max(200),
  payload: z.record(z.string(), z.unknown()),
  /**
   * Set on events published by workflows (`publish` stage): how many trigger → workflow → event
   * links led to this event. Triggers fire nothing for an event deeper than their limit.
   */
  chain_depth: z.number().int().min(0).optional(),
});
export type EventEnvelope<P extends Record<string, unknown> = Record<string, unknown>> = Omit<
  z.infer<typeof eventEnvelopeSchema>,
  'payload'
> & { payload: P };
