import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { EventEnvelope, eventEnvelopeSchema, isUuid } from '@wfp/contracts';
import { quoteIdent } from '../database/service-database';
import { currentTraceparent } from '../observability/tracing';

export interface NewEvent<P extends Record<string, unknown>> {
  app: string;
  version: string;
  type: string;
  payload: P;
  /** Defaults to a new UUID. */
  id?: string;
  /** Defaults to the id. */
  idempotencyKey?: string;
  date?: Date;
  /** The trigger chain depth of an event published by a workflow (see the envelope's `chain_depth`). */
  chainDepth?: number;
}

/** Builds a validated event envelope. */
export function buildEnvelope<P extends Record<string, unknown>>(event: NewEvent<P>): EventEnvelope<P> {
  const id = event.id ?? randomUUID();
  const envelope = {
    id,
    idempotency_key: event.idempotencyKey ?? id,
    date: (event.date ?? new Date()).toISOString(),
    app: event.app,
    version: event.version,
    type: event.type,
    payload: event.payload,
    ...(event.chainDepth !== undefined ? { chain_depth: event.chainDepth } : {}),
  };
  eventEnvelopeSchema.parse(envelope);
  return envelope;
}

/**
 * Writes an event to the service's outbox inside the caller's transaction: it is published to
 * JetStream (by the OutboxRelay) if and only if that transaction commits.
 */
export async function enqueueEvent<P extends Record<string, unknown>>(
  manager: EntityManager,
  schema: string,
  event: NewEvent<P>,
): Promise<EventEnvelope<P>> {
  const envelope = buildEnvelope(event);
  const outboxId = isUuid(envelope.id) ? envelope.id : randomUUID();
  await manager.query(`INSERT INTO ${quoteIdent(schema)}.outbox (id, envelope, traceparent) VALUES ($1, $2, $3)`, [
    outboxId,
    JSON.stringify(envelope),
    currentTraceparent(),
  ]);
  return envelope;
}

/**
 * Writes many events to the outbox in ONE multi-row INSERT inside the caller's transaction
 * (published if and only if it commits). Returns the envelopes in order.
 */
export async function enqueueEvents(
  manager: EntityManager,
  schema: string,
  events: ReadonlyArray<NewEvent<Record<string, unknown>>>,
): Promise<EventEnvelope<Record<string, unknown>>[]> {
  if (events.length === 0) return [];
  const rows = outboxRows(events);
  await manager.query(
    `INSERT INTO ${quoteIdent(schema)}.outbox (id, envelope, traceparent) SELECT u.*, $3::text FROM unnest($1::uuid[], $2::jsonb[]) AS u`,
    [rows.ids, rows.json, rows.traceparent],
  );
  return rows.envelopes;
}

/** The outbox rows of events, as statement parameters: for a statement that writes them beside other rows. */
export interface OutboxRows {
  envelopes: EventEnvelope<Record<string, unknown>>[];
  /** The rows' ids (the envelope's id when it is a UUID). */
  ids: string[];
  /** The envelopes as JSON. */
  json: string[];
  /** The writing context's `traceparent` (null when tracing is off). */
  traceparent: string | null;
}

export function outboxRows(events: ReadonlyArray<NewEvent<Record<string, unknown>>>): OutboxRows {
  const envelopes = events.map(buildEnvelope);
  return {
    envelopes,
    ids: envelopes.map((e) => (isUuid(e.id) ? e.id : randomUUID())),
    json: envelopes.map((e) => JSON.stringify(e)),
    traceparent: currentTraceparent(),
  };
}
