import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { EventEnvelope } from '@wfp/contracts';
import { quoteIdent } from '../database/service-database';
import { buildEnvelope, NewEvent } from './outbox';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Writes many events to the service's outbox in ONE statement inside the caller's transaction
 * (same guarantee as `enqueueEvent`: published if and only if that transaction commits).
 */
export async function enqueueEvents(manager: EntityManager, schema: string, events: Array<NewEvent<Record<string, unknown>>>): Promise<EventEnvelope[]> {
  if (events.length === 0) return [];
  const envelopes = events.map((event) => buildEnvelope(event));
  await manager.query(`INSERT INTO ${quoteIdent(schema)}.outbox (id, envelope) SELECT * FROM unnest($1::uuid[], $2::jsonb[])`, [
    envelopes.map((envelope) => (UUID.test(envelope.id) ? envelope.id : randomUUID())),
    envelopes.map((envelope) => JSON.stringify(envelope)),
  ]);
  return envelopes;
}
