import { EventEnvelope } from '@wfp/contracts';
import { evaluateCondition } from '@wfp/expressions';
import type { SqlQuery } from './sql-query';

/**
 * Matching bus events against `wait_for_event` waits (the `bus_waits` rows).
 *
 * - **Cost**: an event reads only the waits of its own type (`bus_waits_by_type`); waits of other
 *   types cost nothing. Each candidate's CEL condition runs over `{event, vars}`.
 * - **Only events published after the wait began**: a wait matches an event whose envelope
 *   `date` is not earlier than the wait's `began_at`. `began_at` is the database clock read after
 *   the wait took its event type's shared advisory lock, truncated to the millisecond: envelope
 *   dates have millisecond precision, so an event published within the wait's first millisecond
 *   counts (with a microsecond `began_at` and `<` it was missed, and the instance waited on); matching takes the exclusive lock, so an
 *   event is either matched after every earlier wait of its type committed, or it was handled
 *   before the wait began (and its date is earlier). Dates come from the publishers' clocks: a
 *   skew between hosts shifts the boundary by that skew.
 * - **Not after its deadline**: an event published after the wait's deadline does not satisfy it
 *   (even when it is handled before the deadline's timer, e.g. after an outage).
 * - **Exactly once**: the consumer matches inside the transaction that records the event in its
 *   inbox; a matched wait row is deleted (claimed) in it, so a redelivery, a concurrent deadline
 *   or a second event cannot complete the same wait twice.
 */
export interface BusWaitRow {
  instance_id: string;
  stage: number;
  event_type: string;
  condition: string | null;
  on_event: 'continue' | 'succeed';
  on_timeout: 'fail' | 'continue' | 'succeed';
  save_as: string | null;
  deadline: Date | null;
  began_at: Date;
}

const S = 'orchestrator';

/** The advisory lock key of an event type (shared by waits beginning, exclusive while matching). */
export function lockSql(mode: 'shared' | 'exclusive'): string {
  return `SELECT ${mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'}(hashtext('${S}.bus_wait:' || $1))`;
}

/** Takes the shared locks of these event types, each once, in sorted order (a wait or matcher is about to begin). */
export async function lockTypesShared(query: SqlQuery, types: Iterable<string>): Promise<void> {
  for (const type of [...new Set(types)].sort()) await query(lockSql('shared'), [type]);
}

/**
 * Records a wait (inside the transition that starts a `wait_for_event` stage): takes the type's
 * shared lock, then stamps `began_at` with the database clock.
 */
export async function insertBusWait(query: SqlQuery, wait: Omit<BusWaitRow, 'began_at'>): Promise<void> {
  await lockTypesShared(query, [wait.event_type]);
  await query(
    `INSERT INTO ${S}.bus_waits (instance_id, stage, event_type, condition, on_event, on_timeout, save_as, deadline, began_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, date_trunc('milliseconds', clock_timestamp()))
     ON CONFLICT (instance_id) DO UPDATE SET stage = EXCLUDED.stage, event_type = EXCLUDED.event_type,
       condition = EXCLUDED.condition, on_event = EXCLUDED.on_event, on_timeout = EXCLUDED.on_timeout,
       save_as = EXCLUDED.save_as, deadline = EXCLUDED.deadline, began_at = EXCLUDED.began_at`,
    [wait.instance_id, wait.stage, wait.event_type, wait.condition, wait.on_event, wait.on_timeout, wait.save_as, wait.deadline],
  );
}

/** Claims (deletes) an instance's bus wait for `stage`; undefined when already gone (matched or timed out). */
export async function claimBusWait(query: SqlQuery, instanceId: string, stage: number): Promise<BusWaitRow | undefined> {
  const rows: BusWaitRow[] = await query(`DELETE FROM ${S}.bus_waits WHERE instance_id = $1 AND stage = $2 RETURNING *`, [instanceId, stage]);
  return rows[0];
}

/**
 * Which of these event types the consumer has anything to do with: a `wait_for_event` wait, a
 * `cancel_on` or `wait_for_events` matcher, or a lookback that keeps such events (cancel-waits.ts).
 * Run on one connection, outside a transaction.
 *
 * First a barrier per type: its exclusive lock is granted once every wait that took the type's
 * shared lock before has committed, and is released at once (a session lock, one held at a time).
 * Holding the types' locks together could deadlock with a matching transaction that holds its
 * event's type and begins a wait of another type for the instance it advanced. Then one read sees
 * every wait the barriers waited for.
 */
export async function waitedTypes(query: SqlQuery, eventTypes: readonly string[]): Promise<Set<string>> {
  const types = [...new Set(eventTypes)];
  try {
    await query(
      `SELECT pg_advisory_lock(k), pg_advisory_unlock(k) FROM (SELECT hashtext('${S}.bus_wait:' || t)::bigint AS k FROM unnest($1::text[]) AS t) AS keys`,
      [types],
    );
  } catch (error) {
    // Never leave a type's lock held on a pooled connection (the statement failed between the two).
    await query(`SELECT pg_advisory_unlock_all()`, []).catch(() => undefined);
    throw error;
  }
  const rows: Array<{ type: string }> = await query(
    `SELECT t AS type FROM unnest($1::text[]) AS t
      WHERE EXISTS (SELECT 1 FROM ${S}.bus_waits WHERE event_type = t)
         OR EXISTS (SELECT 1 FROM ${S}.cancel_waits WHERE event_type = t)
         OR EXISTS (SELECT 1 FROM ${S}.collect_waits WHERE event_type = t)
         OR EXISTS (SELECT 1 FROM ${S}.lookback_types WHERE event_type = t)`,
    [types],
  );
  return new Set(rows.map((row) => row.type));
}

export interface MatchedWait {
  wait: BusWaitRow;
  /** The instance's variables when matched (what `vars` was). */
  variables: Record<string, string>;
}

/**
 * The waits this event satisfies, claimed (deleted) in the caller's transaction, in the order they
 * began — but those of instances this same event cancels (`canceled`). Call inside the consumer's inbox transaction. Each matching instance is locked before its
 * wait is claimed (the order every engine transition locks in: instance, then its rows), so a
 * deadline being applied at the same moment either claimed the wait first (no match here) or
 * finds it gone.
 */
export async function matchBusWaits(query: SqlQuery, envelope: EventEnvelope, canceled: readonly string[] = []): Promise<MatchedWait[]> {
  await query(lockSql('exclusive'), [envelope.type]);
  const candidates: Array<BusWaitRow & { variables: Record<string, string> }> = await query(
    `SELECT w.*, i.variables FROM ${S}.bus_waits w JOIN ${S}.instances i ON i.id = w.instance_id
      WHERE w.event_type = $1 AND w.began_at <= $2 AND (w.deadline IS NULL OR w.deadline >= $2) AND NOT i.terminated
      ORDER BY w.began_at, w.instance_id`,
    [envelope.type, new Date(envelope.date)],
  );
  const matched: MatchedWait[] = [];
  for (const { variables, ...wait } of candidates) {
    if (canceled.includes(wait.instance_id)) continue; // canceled by this event: its wait goes with it
    if (wait.condition) {
      const result = evaluateCondition(wait.condition, { event: envelope.payload, vars: variables ?? {} });
      if (!result.match) continue;
    }
    await query(`SELECT 1 FROM ${S}.instances WHERE id = $1 FOR UPDATE`, [wait.instance_id]);
    const claimed = await claimBusWait(query, wait.instance_id, wait.stage);
    if (claimed) matched.push({ wait: claimed, variables: variables ?? {} });
  }
  return matched;
}
