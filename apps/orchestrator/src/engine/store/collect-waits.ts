import { EventEnvelope } from '@wfp/contracts';
import { evaluateCondition } from '@wfp/expressions';
import type { CollectWaitChange } from '../core/transition';
import { lockTypesShared } from './bus-waits';
import type { SqlQuery } from './sql-query';

/**
 * `wait_for_events` collection (the `collect_waits` and `collected_events` rows), under the
 * per-event-type advisory lock of bus-waits.ts: matchers are recorded holding the type's shared
 * lock and stamped with the database clock after it (`began_at`, to the millisecond: envelope dates
 * have millisecond precision, so an event published in the same millisecond counts); the bus-wait consumer collects
 * holding the exclusive lock, so an event handled before a matcher was recorded is older than
 * it, and one handled after is seen by it. Each matched instance is locked before its events are
 * written (the order of every engine transition: instance, then its rows); an event is collected
 * once per matcher (`UNIQUE (instance_id, stage, matcher, event_id)`: a redelivery adds nothing).
 */

const S = 'orchestrator';

/** Records matchers (inside the transition that starts the instance or the stage). */
export async function insertCollectWaits(query: SqlQuery, instanceId: string, waits: readonly CollectWaitChange[]): Promise<void> {
  await lockTypesShared(query, waits.map((w) => w.eventType));
  await query(
    `INSERT INTO ${S}.collect_waits (instance_id, stage, matcher, event_type, condition, vars, began_at)
     SELECT $1, u.stage, u.matcher, u.event_type, u.condition, coalesce(u.vars, '{}'), date_trunc('milliseconds', clock_timestamp())
       FROM json_to_recordset($2::json) AS u(stage int, matcher int, event_type text, condition text, vars jsonb)
     ON CONFLICT (instance_id, stage, matcher) DO UPDATE SET event_type = EXCLUDED.event_type, condition = EXCLUDED.condition, vars = EXCLUDED.vars
      WHERE (collect_waits.event_type, collect_waits.condition) IS DISTINCT FROM (EXCLUDED.event_type, EXCLUDED.condition)`,
    [instanceId, JSON.stringify(waits.map((w) => ({ stage: w.stage, matcher: w.matcher, event_type: w.eventType, condition: w.condition, vars: w.vars })))],
  );
}

/**
 * Collects the event for every matcher it satisfies (published no earlier than the millisecond the matcher began, its CEL
 * `if` true over `{event, vars}`), in the caller's transaction, under the type's exclusive lock.
 * Answers the (instance, stage) pairs that collected something new.
 */
export async function collectEvent(query: SqlQuery, envelope: EventEnvelope, skip: readonly string[] = []): Promise<Array<{ instanceId: string; stage: number }>> {
  const payload = envelope.payload ?? {};
  const candidates: Array<{ instance_id: string; stage: number; matcher: number; condition: string | null; vars: Record<string, string> }> = await query(
    `SELECT c.instance_id, c.stage, c.matcher, c.condition, c.vars FROM ${S}.collect_waits c JOIN ${S}.instances i ON i.id = c.instance_id
      WHERE c.event_type = $1 AND c.began_at <= $2 AND NOT i.terminated
      ORDER BY c.instance_id, c.stage, c.matcher`,
    [envelope.type, new Date(envelope.date)],
  );
  const rows = candidates.filter(
    (c) => !skip.includes(c.instance_id) && (!c.condition || evaluateCondition(c.condition, { event: payload, vars: c.vars ?? {} }).match),
  );
  if (rows.length === 0) return [];
  const instances = [...new Set(rows.map((r) => r.instance_id))];
  await query(`SELECT 1 FROM ${S}.instances WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [instances]);
  const added: Array<{ instance_id: string; stage: number }> = await query(
    `INSERT INTO ${S}.collected_events (instance_id, stage, matcher, event_id, payload)
     SELECT u.instance_id, u.stage, u.matcher, $2, $3::jsonb FROM json_to_recordset($1::json) AS u(instance_id uuid, stage int, matcher int)
     ON CONFLICT (instance_id, stage, matcher, event_id) DO NOTHING
     RETURNING instance_id, stage`,
    [JSON.stringify(rows.map((r) => ({ instance_id: r.instance_id, stage: r.stage, matcher: r.matcher }))), envelope.id, JSON.stringify(payload)],
  );
  const pairs = new Map(added.map((a) => [`${a.instance_id}:${a.stage}`, { instanceId: a.instance_id, stage: a.stage }]));
  return [...pairs.values()];
}
