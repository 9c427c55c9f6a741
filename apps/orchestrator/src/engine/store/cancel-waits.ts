import { CancelMatcher, EventEnvelope, longestLookbacks, lookbackMs } from '@wfp/contracts';
import { evaluateCondition } from '@wfp/expressions';
import type { CancelWaitChange } from '../core/transition';
import type { CancelContext } from '../core/cancel-on';
import { lockTypesShared } from './bus-waits';
import type { SqlQuery } from './sql-query';

/**
 * `cancel_on` matching (the `cancel_waits` rows), under the same per-event-type advisory lock as
 * `wait_for_event` (bus-waits.ts): a start records its cancel waits — and reads the recent events
 * its lookbacks cover — holding the type's shared lock; the bus-wait consumer records an event in
 * `recent_events` and matches the cancel waits of its type holding the exclusive lock. So a cancel
 * event is either seen by the start's lookback (it was handled before) or matched against the new
 * cancel waits (it is handled after) — never missed, never both.
 *
 * - **Which events cancel**: of the matcher's type, published (envelope `date`) no earlier than
 *   `not_before` (the start less `lookback`) and no later than `deadline` (the start plus
 *   `within`), whose CEL `if` holds over `{event: <triggering payload>, vars: <the instance's
 *   variables at its start>, async: <incoming payload>}`.
 * - **Cost**: an event reads only the cancel waits of its type, and of those only the ones whose
 *   correlation prefilter (core/cancel-on.ts `correlationOf`) its payload satisfies; CEL runs on
 *   what is left.
 * - **Exactly once**: each matched instance is locked and its cancel waits deleted (claimed) in the
 *   consumer's inbox transaction; a redelivery or a second event finds them gone.
 */

const S = 'orchestrator';

/** Lookbacks (`recent_events`) older than this are pruned. */
const PRUNE_SQL = `DELETE FROM ${S}.recent_events r
  WHERE r.date < clock_timestamp() - make_interval(secs => coalesce((SELECT max(lookback_ms) FROM ${S}.lookback_types), 0) / 1000.0)`;

/** Records an instance's cancel waits (in its start's transaction), each type's shared lock first. */
export async function insertCancelWaits(query: SqlQuery, instanceId: string, waits: readonly CancelWaitChange[]): Promise<void> {
  await lockTypesShared(query, waits.map((w) => w.eventType));
  await query(
    `INSERT INTO ${S}.cancel_waits (instance_id, matcher, event_type, condition, trigger_event, start_vars, match_path, match_value, not_before, deadline)
     SELECT $1, u.matcher, u.event_type, u.condition, u.trigger_event, u.start_vars, u.match_path, u.match_value, u.not_before, u.deadline
       FROM json_to_recordset($2::json) AS u(matcher int, event_type text, condition text, trigger_event jsonb, start_vars jsonb, match_path text[],
                                             match_value text, not_before timestamptz, deadline timestamptz)
     ON CONFLICT (instance_id, matcher) DO NOTHING`,
    [
      instanceId,
      JSON.stringify(
        waits.map((w) => ({
          matcher: w.matcher, event_type: w.eventType, condition: w.condition, trigger_event: w.triggerEvent, start_vars: w.startVars,
          match_path: w.matchPath, match_value: w.matchValue, not_before: w.notBefore.toISOString(), deadline: w.deadline?.toISOString() ?? null,
        })),
      ),
    ],
  );
}

/** The types (and longest lookback) whose events are kept in `recent_events`; idempotent. */
export async function registerLookbacks(query: SqlQuery, matchers: readonly CancelMatcher[]): Promise<void> {
  const longest = longestLookbacks(matchers);
  if (longest.size === 0) return;
  await query(
    `INSERT INTO ${S}.lookback_types (event_type, lookback_ms) SELECT * FROM unnest($1::text[], $2::bigint[])
     ON CONFLICT (event_type) DO UPDATE SET lookback_ms = EXCLUDED.lookback_ms WHERE lookback_types.lookback_ms < EXCLUDED.lookback_ms`,
    [[...longest.keys()], [...longest.values()]],
  );
}

export interface LookbackStart {
  /** Matchers of the start (only those with a lookback are read here). */
  matchers: readonly CancelMatcher[];
  context: CancelContext;
}

/**
 * For each start, the first recent event its matchers' lookbacks catch (its id), if any — read
 * under each type's shared lock, which the start's transaction holds until it commits.
 */
export async function lookbackHits(query: SqlQuery, starts: readonly LookbackStart[], now: Date): Promise<Array<string | undefined>> {
  const longest = longestLookbacks(starts.flatMap((s) => s.matchers));
  if (longest.size === 0) return starts.map(() => undefined);
  await lockTypesShared(query, longest.keys());
  const recent = new Map<string, Array<{ id: string; date: Date; payload: Record<string, unknown> }>>();
  for (const [type, ms] of longest) {
    recent.set(type, await query(`SELECT id, date, payload FROM ${S}.recent_events WHERE event_type = $1 AND date >= $2 ORDER BY date, id`, [type, new Date(now.getTime() - ms)]));
  }
  return starts.map(({ matchers, context }) => {
    for (const m of matchers) {
      const ms = lookbackMs(m);
      if (ms <= 0) continue;
      const since = now.getTime() - ms;
      const hit = (recent.get(m.event) ?? []).find(
        (e) => new Date(e.date).getTime() >= since && (!m.if || evaluateCondition(m.if, { ...context, async: e.payload }).match),
      );
      if (hit) return hit.id;
    }
    return undefined;
  });
}

/**
 * Keeps the event in `recent_events` when some matcher looks back on its type. Call under the
 * type's exclusive lock, in the consumer's inbox transaction.
 */
export async function recordRecentEvent(query: SqlQuery, envelope: EventEnvelope): Promise<void> {
  await query(
    `INSERT INTO ${S}.recent_events (id, event_type, date, payload)
     SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM ${S}.lookback_types WHERE event_type = $2)
     ON CONFLICT (id) DO NOTHING`,
    [envelope.id, envelope.type, new Date(envelope.date), JSON.stringify(envelope.payload ?? {})],
  );
}

/** Drops recent events older than every lookback. */
export async function pruneRecentEvents(query: SqlQuery): Promise<void> {
  await query(PRUNE_SQL, []);
}

/**
 * The instances this event cancels, their cancel waits claimed (deleted) in the caller's
 * transaction, in id order. Call under the type's exclusive lock (`lockSql('exclusive')`).
 */
export async function matchCancelWaits(query: SqlQuery, envelope: EventEnvelope): Promise<string[]> {
  const payload = envelope.payload ?? {};
  const candidates: Array<{ instance_id: string; condition: string | null; trigger_event: Record<string, unknown> | null; start_vars: Record<string, string> | null }> = await query(
    `SELECT c.instance_id, c.condition, c.trigger_event, c.start_vars FROM ${S}.cancel_waits c JOIN ${S}.instances i ON i.id = c.instance_id
      WHERE c.event_type = $1 AND c.not_before <= $2 AND (c.deadline IS NULL OR c.deadline >= $2) AND NOT i.terminated
        AND (c.match_path IS NULL OR c.match_value = ($3::jsonb #>> c.match_path))
      ORDER BY c.instance_id, c.matcher`,
    [envelope.type, new Date(envelope.date), JSON.stringify(payload)],
  );
  const canceled: string[] = [];
  for (const candidate of candidates) {
    if (canceled.includes(candidate.instance_id)) continue;
    if (candidate.condition && !evaluateCondition(candidate.condition, { event: candidate.trigger_event ?? {}, vars: candidate.start_vars ?? {}, async: payload }).match) continue;
    await query(`SELECT 1 FROM ${S}.instances WHERE id = $1 FOR UPDATE`, [candidate.instance_id]);
    const claimed: unknown[] = await query(`DELETE FROM ${S}.cancel_waits WHERE instance_id = $1 RETURNING matcher`, [candidate.instance_id]);
    if (claimed.length > 0) canceled.push(candidate.instance_id);
  }
  return canceled;
}
