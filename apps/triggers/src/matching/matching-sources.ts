import type { EntityManager } from 'typeorm';
import { EVENT_TYPE_PATTERN } from '@wfp/contracts';
import { type ConsumerSource, eventTypeSubject, typeDurableName } from '@wfp/platform';

/** The matcher's consumer: metrics label, inbox key and dead letters' consumer of every durable below. */
export const MATCHING_CONSUMER = 'triggers-matching';

/**
 * The catch-all durable of earlier versions (every event, `<namespace>.events.>`): the per-type
 * durables take over from its acknowledged position, then it is deleted.
 */
export const LEGACY_MATCHING_DURABLE = MATCHING_CONSUMER;

/** Lifecycle events flow control follows when a trigger has a policy (flow-control/instance-events.ts). */
const INSTANCE_END_TYPES = ['SUCCEEDED_WORKFLOW', 'FAILED_WORKFLOW'];
/** …and when a `hold: active` rule counts only acting stages. */
const STAGE_START_TYPE = 'STARTED_WORKFLOW_STAGE';

/**
 * The durable reading one event type: readable, unique per type (durable names allow no dots,
 * and `a.b` / `a_b` must not share one).
 */
export function matchingDurableName(type: string): string {
  return typeDurableName(MATCHING_CONSUMER, type);
}

/** An event type the matcher must read, and the stream position from which a new durable for it starts. */
export interface MatchedType {
  type: string;
  /** Smallest `stream_seq` of the triggers needing it; null when one of them predates `stream_seq`. */
  fromSeq: number | null;
}

type Queryable = Pick<EntityManager, 'query'>;

/**
 * The event types the matcher reads: every type a live trigger matches and, when flow control
 * follows instances, their lifecycle types — the ends when any trigger (live or deleted: its
 * instances may still hold slots) has a policy, stage starts when a live trigger has a
 * `hold: active` rule. A type that is no subject token can match no event and needs no durable.
 */
export async function matchedTypes(db: Queryable): Promise<MatchedType[]> {
  const rows: Array<{ type: string; from_seq: string | null; predates: boolean }> = await db.query(
    `SELECT event AS type, min(stream_seq) AS from_seq, bool_or(stream_seq IS NULL) AS predates
       FROM triggers.triggers WHERE deleted_at IS NULL GROUP BY event
     UNION ALL
     SELECT unnest($1::text[]), min(stream_seq), bool_or(stream_seq IS NULL)
       FROM triggers.triggers WHERE policy IS NOT NULL HAVING count(*) > 0
     UNION ALL
     SELECT $2, min(stream_seq), bool_or(stream_seq IS NULL)
       FROM triggers.triggers
      WHERE deleted_at IS NULL AND jsonb_path_exists(policy, '$.concurrency[*] ? (@.hold == "active")') HAVING count(*) > 0`,
    [INSTANCE_END_TYPES, STAGE_START_TYPE],
  );
  const byType = new Map<string, MatchedType>();
  for (const row of rows) {
    if (!EVENT_TYPE_PATTERN.test(row.type)) continue;
    const fromSeq = row.predates || row.from_seq === null ? null : Number(row.from_seq);
    const known = byType.get(row.type);
    if (!known) byType.set(row.type, { type: row.type, fromSeq });
    else known.fromSeq = known.fromSeq === null || fromSeq === null ? null : Math.min(known.fromSeq, fromSeq);
  }
  return [...byType.values()].sort((a, b) => a.type.localeCompare(b.type));
}

/**
 * One durable per matched type, filtered on `<namespace>.events.<app>.<version>.<type>` for any
 * app and version. A durable created now starts right after `fromSeq` — or, for triggers that
 * predate `stream_seq`, right after `takeOverSeq` (the catch-all durable's acknowledged position).
 */
export function matchingSources(namespace: string, types: MatchedType[], takeOverSeq: number): ConsumerSource[] {
  return types.map(({ type, fromSeq }) => ({
    durable: matchingDurableName(type),
    filterSubject: eventTypeSubject(namespace, type),
    startSeq: (fromSeq ?? takeOverSeq) + 1,
  }));
}
