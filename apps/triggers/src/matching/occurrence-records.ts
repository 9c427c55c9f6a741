import type { EntityManager } from 'typeorm';
import { EventEnvelope } from '@wfp/contracts';
import { NewEvent, outboxRows } from '@wfp/platform';

type Queryable = Pick<EntityManager, 'query'>;

/** A row of `triggers.occurrences`: one trigger fired (or failed to fire) by one event. */
export interface OccurrenceRow {
  id: string;
  trigger_id: string;
  event_id: string;
  date: Date;
  event: EventEnvelope;
  workflow_instance_id: string | null;
  error: string | null;
  chain_depth: number;
  /** Flow control's decision (null for triggers without a policy). */
  outcome?: string | null;
  reason?: string | null;
  /** The replay that fired it (replays/), and whether it is a refiring beside an earlier occurrence. */
  replay_id?: string | null;
  refired_by?: string | null;
}

/**
 * Inserts a batch of occurrences in one statement; returns the ids inserted now. Unique
 * (trigger_id, event_id, refired_by), NULLs equal: an occurrence already recorded (a
 * redelivery) is left out; only a replay's refiring (`refired_by` = its id) adds a second one.
 */
export async function insertOccurrences(m: EntityManager, rows: OccurrenceRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted: Array<{ id: string }> = await m.query(
    `INSERT INTO triggers.occurrences (${OCCURRENCE_COLUMNS})
     SELECT * FROM ${occurrencesUnnest(1)}
     ON CONFLICT (trigger_id, event_id, refired_by) DO NOTHING
     RETURNING id`,
    occurrenceParams(rows),
  );
  return new Set(inserted.map((row) => row.id));
}

const OCCURRENCE_COLUMNS = 'id, trigger_id, event_id, date, event, workflow_instance_id, error, chain_depth, outcome, reason, replay_id, refired_by';

/** The rows of {@link occurrenceParams} from parameter `$first` on, as a table with the occurrences' columns. */
function occurrencesUnnest(first: number): string {
  const types = ['uuid', 'uuid', 'text', 'timestamptz', 'jsonb', 'text', 'text', 'int', 'text', 'text', 'uuid', 'uuid'];
  return `unnest(${types.map((type, i) => `$${first + i}::${type}[]`).join(', ')}) AS o(${OCCURRENCE_COLUMNS})`;
}

/** One array per column of {@link OCCURRENCE_COLUMNS}, in that order. */
function occurrenceParams(rows: OccurrenceRow[]): unknown[][] {
  return [
    rows.map((r) => r.id),
    rows.map((r) => r.trigger_id),
    rows.map((r) => r.event_id),
    rows.map((r) => r.date),
    rows.map((r) => JSON.stringify(r.event)),
    rows.map((r) => r.workflow_instance_id),
    rows.map((r) => r.error),
    rows.map((r) => r.chain_depth),
    rows.map((r) => r.outcome ?? null),
    rows.map((r) => r.reason ?? null),
    rows.map((r) => r.replay_id ?? null),
    rows.map((r) => r.refired_by ?? null),
  ];
}

/**
 * Records a batch's occurrences of triggers without a policy in ONE statement, no transaction of
 * its own (a statement is atomic): the events in the consumer's inbox, then the occurrences of
 * the events recorded now (an event already there — a concurrent redelivery won — is left out,
 * as by {@link insertOccurrences}'s conflict rule), then, through the outbox, `events[i]` for each
 * `rows[i]` inserted now. Returns the ids of the occurrences inserted. One round trip instead of
 * five (begin, inbox, occurrences, outbox, commit) on the matcher's hot path.
 */
export async function recordOccurrencesAtOnce(
  db: Queryable,
  consumer: string,
  rows: OccurrenceRow[],
  events: ReadonlyArray<NewEvent<Record<string, unknown>>>,
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  if (events.length !== rows.length) throw new Error(`one event per occurrence: ${events.length} events for ${rows.length} occurrences`);
  const outbox = outboxRows(events);
  const inserted: Array<{ id: string }> = await db.query(
    `WITH inbox AS (
       INSERT INTO triggers.inbox (consumer, event_id)
       SELECT $1, id FROM unnest($2::text[]) AS id ORDER BY id
       ON CONFLICT DO NOTHING RETURNING event_id
     ), occurrences AS (
       INSERT INTO triggers.occurrences (${OCCURRENCE_COLUMNS})
       SELECT o.* FROM ${occurrencesUnnest(6)}
        WHERE o.event_id IN (SELECT event_id FROM inbox)
       ON CONFLICT (trigger_id, event_id, refired_by) DO NOTHING
       RETURNING id
     ), outbox AS (
       INSERT INTO triggers.outbox (id, envelope, traceparent)
       SELECT e.id, e.envelope, $5::text FROM unnest($3::uuid[], $4::jsonb[], $6::uuid[]) AS e(id, envelope, occurrence_id)
        WHERE e.occurrence_id IN (SELECT id FROM occurrences)
     )
     SELECT id FROM occurrences`,
    [consumer, [...new Set(rows.map((r) => r.event_id))].sort(), outbox.ids, outbox.json, outbox.traceparent, ...occurrenceParams(rows)],
  );
  return new Set(inserted.map((row) => row.id));
}

/** Chain depth of the occurrences with these ids (those that exist). */
export async function chainDepths(db: Queryable, occurrenceIds: string[]): Promise<Map<string, number>> {
  if (occurrenceIds.length === 0) return new Map();
  const rows: Array<{ id: string; chain_depth: number }> = await db.query(
    `SELECT id, chain_depth FROM triggers.occurrences WHERE id = ANY($1::uuid[])`,
    [occurrenceIds],
  );
  return new Map(rows.map((row) => [row.id, row.chain_depth]));
}
