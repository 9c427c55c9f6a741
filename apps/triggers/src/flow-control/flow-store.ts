import type { EntityManager } from 'typeorm';
import type { CancelOn } from '@wfp/contracts';

/**
 * SQL of flow control's durable state (tables in migrations/1732000020000-flow-control.ts).
 * Every function takes the transaction it runs in.
 */
type Queryable = Pick<EntityManager, 'query'>;

/** Rows of an UPDATE/DELETE … RETURNING (TypeORM's Postgres driver answers `[rows, count]` for those). */
export async function returning<T>(m: Queryable, sql: string, params: unknown[]): Promise<T[]> {
  const result: unknown = await m.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/** A row of `triggers.flow_queue`: a start waiting for admission (id = its occurrence id). */
export interface QueuedStartRow {
  id: string;
  trigger_id: string;
  event_id: string;
  workflow_id: string;
  variables: Record<string, string>;
  chain_depth: number;
  fair_key: string;
  concurrency_keys: string[];
  concurrency_limits: number[];
  /** Per concurrency rule: its shared slot owner (scope `workflow`), `''` for the trigger's own (absent on older rows). */
  concurrency_scopes?: string[];
  throttle_key: string | null;
  singleton_key: string | null;
  /** The singleton's shared owner (scope `workflow`), `''` for the trigger's own (absent on older rows). */
  singleton_scope?: string;
  debounce_key: string | null;
  debounce_first_at: Date | null;
  cancel_instances: string[];
  enqueued_at: Date;
  ready_at: Date;
  not_before: Date;
  /** A replay's start: its id (the instance's `metadata.replay_id`); `forced`: its own idempotency key. */
  replay_id?: string | null;
  forced?: boolean;
  /** Read with the admitted starts only: the payload of the event (its occurrence's) and the trigger's `cancel_on`. */
  trigger_event?: Record<string, unknown> | null;
  cancel_on?: CancelOn | null;
}

/** Serialises flow-control decisions and admissions of one trigger (until the transaction ends). */
export async function lockTrigger(m: Queryable, triggerId: string): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtext('triggers.flow:' || $1))`, [triggerId]);
}

/**
 * Serialises the admission rounds that count a workflow's shared slots (concurrency rules of
 * scope `workflow`). Always taken before any trigger lock (then the members' trigger locks in id
 * order), never after one: no deadlock with the matcher's decisions, which take trigger locks only.
 */
export async function lockWorkflow(m: Queryable, workflowId: string): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtext('triggers.flow-workflow:' || $1))`, [workflowId]);
}

/**
 * Serialises what reads and changes the state a rule of scope `workflow` shares (a rate-limit
 * budget, a singleton's slots: the shared owners of policy-keys.ts), across triggers and replicas.
 * Taken in hash order, after the workflow's lock (rounds) and before any trigger lock (rounds and
 * the matcher's decisions), never after one: no deadlock.
 */
export async function lockShared(m: Queryable, scopes: string[]): Promise<void> {
  if (scopes.length === 0) return;
  await m.query(
    `SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext('triggers.flow-shared:' || s) AS h FROM unnest($1::text[]) AS s) l ORDER BY h`,
    [scopes],
  );
}

/** Trigger locks of several triggers, in id order (as the matcher's decisions take them). */
export async function lockTriggers(m: Queryable, triggerIds: string[]): Promise<void> {
  for (const id of [...new Set(triggerIds)].sort()) await lockTrigger(m, id);
}

/**
 * The INSERT of queued starts from a JSON array parameter (`$<param>`), each row in the state
 * `stateSql` gives (an SQL expression over `r`, the row: `'queued'`, or the fast path's choice).
 */
export function queuedStartsInsertSql(param: number, stateSql: string): string {
  return `INSERT INTO triggers.flow_queue (id, trigger_id, event_id, workflow_id, variables, chain_depth, state, fair_key,
                                      concurrency_keys, concurrency_limits, concurrency_scopes, throttle_key, singleton_key, singleton_scope,
                                      debounce_key, debounce_first_at, cancel_instances, enqueued_at, ready_at, not_before, replay_id, forced)
     SELECT r.id, r.trigger_id, r.event_id, r.workflow_id, r.variables, r.chain_depth, ${stateSql}, r.fair_key,
            ARRAY(SELECT jsonb_array_elements_text(r.concurrency_keys)),
            ARRAY(SELECT jsonb_array_elements_text(r.concurrency_limits)::int),
            ARRAY(SELECT jsonb_array_elements_text(coalesce(r.concurrency_scopes, '[]'))),
            r.throttle_key, r.singleton_key, coalesce(r.singleton_scope, ''), r.debounce_key, r.debounce_first_at,
            ARRAY(SELECT jsonb_array_elements_text(r.cancel_instances)),
            r.enqueued_at, r.ready_at, r.not_before, r.replay_id, coalesce(r.forced, false)
       FROM jsonb_to_recordset($${param}::jsonb) AS r (
              id uuid, trigger_id uuid, event_id text, workflow_id text, variables jsonb, chain_depth int, fair_key text,
              concurrency_keys jsonb, concurrency_limits jsonb, concurrency_scopes jsonb, throttle_key text, singleton_key text, singleton_scope text, debounce_key text,
              debounce_first_at timestamptz, cancel_instances jsonb, enqueued_at timestamptz, ready_at timestamptz, not_before timestamptz,
              replay_id uuid, forced boolean)
      ORDER BY r.enqueued_at`;
}

export async function insertQueuedStarts(m: Queryable, rows: QueuedStartRow[]): Promise<void> {
  if (rows.length === 0) return;
  await m.query(queuedStartsInsertSql(1, `'queued'`), [JSON.stringify(rows)]);
}

/**
 * The queued starts of some triggers (one, or those sharing a workflow's slots) that may be
 * admitted now: at most `perKey` per trigger and fairness key (enough for one admission round
 * of every key), in (ready_at, seq) order within a key.
 */
export async function admissionCandidates(
  m: Queryable,
  triggerIds: string[],
  now: Date,
  perKey: number,
): Promise<{ rows: Array<QueuedStartRow & { seq: string }>; next: Date | null }> {
  const rows: Array<QueuedStartRow & { seq: string; next_due: Date | null }> = await m.query(
    `SELECT ranked.*,
            (SELECT min(f.not_before) FROM triggers.flow_queue f WHERE f.trigger_id = ANY($1::uuid[]) AND f.state = 'queued' AND f.not_before > $2) AS next_due
       FROM (SELECT q.*, row_number() OVER (PARTITION BY q.trigger_id, q.fair_key ORDER BY q.ready_at, q.seq) AS rank
               FROM triggers.flow_queue q
              WHERE q.trigger_id = ANY($1::uuid[]) AND q.state = 'queued' AND q.not_before <= $2) ranked
      WHERE rank <= $3
      ORDER BY rank, ready_at, seq
      LIMIT 5000`,
    [triggerIds, now, perKey],
  );
  if (rows.length > 0) return { rows, next: rows[0].next_due };
  // No candidate: only the earliest debounce timer (when to look again).
  const [{ next }]: Array<{ next: Date | null }> = await m.query(
    `SELECT min(not_before) AS next FROM triggers.flow_queue WHERE trigger_id = ANY($1::uuid[]) AND state = 'queued' AND not_before > $2`,
    [triggerIds, now],
  );
  return { rows, next };
}

/**
 * Slots held per bucket, and how many of them are active: the triggers' own slots per (trigger,
 * rule, key) — `scope` `''` — and the shared slots of these scopes per (scope, key), whatever
 * trigger took them (`trigger_id`, `rule` then null).
 */
export async function slotsHeld(
  m: Queryable,
  triggerIds: string[],
  scopes: string[],
): Promise<Array<{ trigger_id: string | null; rule: number | null; scope: string; key: string; held: number; active: number }>> {
  return m.query(
    `SELECT trigger_id, rule, '' AS scope, key, count(*)::int AS held, count(*) FILTER (WHERE active)::int AS active
       FROM triggers.flow_slots WHERE trigger_id = ANY($1::uuid[]) AND rule >= 0 AND scope = '' GROUP BY trigger_id, rule, key
     UNION ALL
     SELECT NULL, NULL, scope, key, count(*)::int, count(*) FILTER (WHERE active)::int
       FROM triggers.flow_slots WHERE scope = ANY($2::text[]) GROUP BY scope, key`,
    [triggerIds, scopes],
  );
}

/**
 * `hold: active`: an instance's stage started; its slots are active while the stage acts. Stage
 * events may be handled out of order (concurrent batches): only a later stage changes a slot. A
 * stage start seen before its instance's start is recorded (a start of that workflow in flight)
 * is kept in `flow_early_stages` and applied when the start is recorded. Returns the triggers
 * whose slots became inactive (room for their queued starts).
 */
export async function markStages(
  m: Queryable,
  stages: Array<{ instanceId: string; workflowId: string; stage: number; active: boolean }>,
  now: Date,
): Promise<string[]> {
  if (stages.length === 0) return [];
  await lockInstances(m, stages.map((s) => s.instanceId));
  const params = [stages.map((s) => s.instanceId), stages.map((s) => s.stage), stages.map((s) => s.active)];
  const changed = await returning<{ trigger_id: string; active: boolean }>(
    m,
    `UPDATE triggers.flow_slots s SET active = x.active, stage = x.stage
       FROM unnest($1::text[], $2::int[], $3::bool[]) AS x (instance_id, stage, active)
      WHERE s.instance_id = x.instance_id AND s.stage < x.stage
     RETURNING s.trigger_id, s.active`,
    params,
  );
  await m.query(
    `INSERT INTO triggers.flow_early_stages (instance_id, stage, active, seen_at)
     SELECT DISTINCT ON (x.instance_id) x.instance_id, x.stage, x.active, $5
       FROM unnest($1::text[], $2::int[], $3::bool[], $4::text[]) AS x (instance_id, stage, active, workflow_id)
      WHERE NOT EXISTS (SELECT 1 FROM triggers.flow_slots s WHERE s.instance_id = x.instance_id)
        AND EXISTS (SELECT 1 FROM triggers.flow_slots s WHERE s.workflow_id = x.workflow_id AND s.instance_id IS NULL)
      ORDER BY x.instance_id, x.stage DESC
     ON CONFLICT (instance_id) DO UPDATE SET stage = excluded.stage, active = excluded.active
      WHERE triggers.flow_early_stages.stage < excluded.stage`,
    [...params, stages.map((s) => s.workflowId), now],
  );
  return [...new Set(changed.filter((c) => !c.active).map((c) => c.trigger_id))];
}

/** Throttle buckets: the triggers' own (`scope` `''`) and the shared ones of these scopes (`trigger_id` null). */
export async function throttleBuckets(
  m: Queryable,
  triggerIds: string[],
  scopes: string[],
): Promise<Array<{ trigger_id: string | null; scope: string; key: string; tat: Date }>> {
  return m.query(
    `SELECT trigger_id, scope, key, tat FROM triggers.flow_buckets WHERE trigger_id = ANY($1::uuid[]) AND scope = '' AND kind = 'throttle'
     UNION ALL
     SELECT trigger_id, scope, key, tat FROM triggers.flow_buckets WHERE scope = ANY($2::text[]) AND kind = 'throttle'`,
    [triggerIds, scopes],
  );
}

export async function saveThrottleBuckets(m: Queryable, triggerId: string, tats: Map<string, number>): Promise<void> {
  if (tats.size === 0) return;
  await m.query(
    `INSERT INTO triggers.flow_buckets (trigger_id, kind, key, tat)
     SELECT $1, 'throttle', b.key, b.tat FROM unnest($2::text[], $3::timestamptz[]) AS b (key, tat)
     ON CONFLICT (trigger_id, kind, key) WHERE scope = '' DO UPDATE SET tat = excluded.tat`,
    [triggerId, [...tats.keys()], [...tats.values()].map((t) => new Date(t))],
  );
}

/** A shared throttle's buckets (scope `workflow`), saved by the workflow's round (its lock held). */
export async function saveSharedThrottleBuckets(m: Queryable, scope: string, tats: Map<string, number>): Promise<void> {
  if (tats.size === 0) return;
  await m.query(
    `INSERT INTO triggers.flow_buckets (scope, kind, key, tat)
     SELECT $1, 'throttle', b.key, b.tat FROM unnest($2::text[], $3::timestamptz[]) AS b (key, tat)
     ON CONFLICT (scope, kind, key) WHERE scope <> '' DO UPDATE SET tat = excluded.tat`,
    [scope, [...tats.keys()], [...tats.values()].map((t) => new Date(t))],
  );
}

/**
 * Admitted: the starts become `starting` and take their slots (one per rule, -1 for the singleton;
 * a rule or singleton of scope `workflow` takes a shared one) — one statement. Returns the admitted starts as
 * {@link startingStarts} reads them (with the event's payload and the trigger's `cancel_on`), to be
 * started after commit without reading them again.
 */
export async function takeSlots(m: Queryable, starts: QueuedStartRow[], now: Date): Promise<QueuedStartRow[]> {
  if (starts.length === 0) return [];
  const slots = starts.flatMap((s) => [
    ...s.concurrency_keys.map((key, rule) => ({ occurrence_id: s.id, rule, trigger_id: s.trigger_id, key, workflow_id: s.workflow_id, scope: s.concurrency_scopes?.[rule] ?? '' })),
    ...(s.singleton_key !== null
      ? [{ occurrence_id: s.id, rule: -1, trigger_id: s.trigger_id, key: s.singleton_key, workflow_id: s.workflow_id, scope: s.singleton_scope ?? '' }]
      : []),
  ]);
  const rows: Array<{ id: string; trigger_event: Record<string, unknown> | null; cancel_on: CancelOn | null }> = await m.query(
    `WITH admitted AS (UPDATE triggers.flow_queue SET state = 'starting' WHERE id = ANY($1::uuid[]) RETURNING id, trigger_id),
          slots AS (INSERT INTO triggers.flow_slots (occurrence_id, rule, trigger_id, key, workflow_id, scope, admitted_at)
                    SELECT s.occurrence_id, s.rule, s.trigger_id, s.key, s.workflow_id, s.scope, $3
                      FROM jsonb_to_recordset($2::jsonb) AS s (occurrence_id uuid, rule int, trigger_id uuid, key text, workflow_id text, scope text)
                    ON CONFLICT DO NOTHING)
     SELECT a.id, o.event->'payload' AS trigger_event, t.cancel_on
       FROM admitted a
       LEFT JOIN triggers.occurrences o ON o.id = a.id
       LEFT JOIN triggers.triggers t ON t.id = a.trigger_id`,
    [starts.map((s) => s.id), JSON.stringify(slots), now],
  );
  const extra = new Map(rows.map((r) => [r.id, r]));
  return starts
    .filter((s) => extra.has(s.id))
    .map((s) => ({ ...s, trigger_event: extra.get(s.id)!.trigger_event, cancel_on: extra.get(s.id)!.cancel_on }));
}

/** Starts admitted and not yet recorded as started (also those a crash left behind). */
export async function startingStarts(m: Queryable, triggerId: string, limit: number): Promise<QueuedStartRow[]> {
  // A queued start's id is its occurrence's: the event's payload is read from there (the start carries it).
  return m.query(
    `SELECT q.*, o.event->'payload' AS trigger_event, t.cancel_on
       FROM triggers.flow_queue q
       LEFT JOIN triggers.occurrences o ON o.id = q.id
       LEFT JOIN triggers.triggers t ON t.id = q.trigger_id
      WHERE q.trigger_id = $1 AND q.state = 'starting' ORDER BY q.seq LIMIT $2`,
    [triggerId, limit],
  );
}

/**
 * Locks instance ids for slot bookkeeping: a start being recorded and the end of its instance
 * (handled by another batch, maybe another replica) never interleave, so no slot is leaked.
 */
export async function lockInstances(m: Queryable, instanceIds: string[]): Promise<void> {
  if (instanceIds.length === 0) return;
  await m.query(
    `SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext('triggers.flow-instance:' || id) AS h FROM unnest($1::text[]) AS id) l ORDER BY h`,
    [instanceIds],
  );
}

/**
 * Instances that ended (any end: success, failure, abort): their slots are freed. An end seen
 * before its start was recorded (a start of that workflow still in flight) is remembered in
 * `flow_ended`, and the slot is freed when the start is recorded. Returns the triggers whose
 * slots were freed.
 */
export async function releaseEnded(m: Queryable, ended: Array<{ instanceId: string; workflowId: string }>, now: Date): Promise<string[]> {
  if (ended.length === 0) return [];
  await lockInstances(m, ended.map((e) => e.instanceId));
  const released = await returning<{ trigger_id: string }>(
    m,
    `DELETE FROM triggers.flow_slots WHERE instance_id = ANY($1::text[]) RETURNING trigger_id`,
    [ended.map((e) => e.instanceId)],
  );
  await m.query(
    `INSERT INTO triggers.flow_ended (instance_id, ended_at)
     SELECT e.instance_id, $3
       FROM unnest($1::text[], $2::text[]) AS e (instance_id, workflow_id)
      WHERE EXISTS (SELECT 1 FROM triggers.flow_slots s WHERE s.workflow_id = e.workflow_id AND s.instance_id IS NULL)
     ON CONFLICT DO NOTHING`,
    [ended.map((e) => e.instanceId), ended.map((e) => e.workflowId), now],
  );
  return [...new Set(released.map((r) => r.trigger_id))];
}

/**
 * Records started instances on their slots; frees those whose instance already ended and applies
 * the stage starts seen before. Returns whether some slot became inactive (`hold: active` room).
 */
export async function recordStartedSlots(m: Queryable, started: Array<{ occurrenceId: string; instanceId: string }>): Promise<boolean> {
  if (started.length === 0) return false;
  await lockInstances(m, started.map((s) => s.instanceId));
  // One statement, its parts on disjoint rows: the slots of an instance that already ended are
  // deleted, the others get their instance and the latest stage seen before (if later than theirs).
  const [{ freed_room }]: Array<{ freed_room: boolean }> = await m.query(
    `WITH x AS (SELECT * FROM unnest($1::uuid[], $2::text[]) AS x (occurrence_id, instance_id)),
          ended AS (DELETE FROM triggers.flow_ended e USING x WHERE e.instance_id = x.instance_id RETURNING e.instance_id),
          early AS (DELETE FROM triggers.flow_early_stages e USING x WHERE e.instance_id = x.instance_id RETURNING e.instance_id, e.stage, e.active),
          freed AS (
            DELETE FROM triggers.flow_slots s USING x
             WHERE s.occurrence_id = x.occurrence_id AND x.instance_id IN (SELECT instance_id FROM ended)
            RETURNING s.occurrence_id),
          recorded AS (
            UPDATE triggers.flow_slots s
               SET instance_id = x.instance_id,
                   active = CASE WHEN s.stage < e.stage THEN e.active ELSE s.active END,
                   stage = CASE WHEN s.stage < e.stage THEN e.stage ELSE s.stage END
              FROM x LEFT JOIN early e ON e.instance_id = x.instance_id
             WHERE s.occurrence_id = x.occurrence_id AND x.instance_id NOT IN (SELECT instance_id FROM ended)
            -- RETURNING sees the new row: a slot that took an early stage now has its stage (a slot not
            -- recorded yet is at stage -1, below any stage) and its activity.
            RETURNING s.stage = e.stage AND NOT s.active AS inactive)
     SELECT coalesce(bool_or(inactive), false) AS freed_room FROM recorded`,
    [started.map((s) => s.occurrenceId), started.map((s) => s.instanceId)],
  );
  return freed_room;
}

/** Triggers with queued starts due by `now`, or starts left `starting` (a crash, a failed start). */
export async function triggersWithDueStarts(m: Queryable, now: Date): Promise<string[]> {
  const rows: Array<{ trigger_id: string }> = await m.query(
    `SELECT DISTINCT trigger_id FROM triggers.flow_queue WHERE state = 'starting' OR not_before <= $1`,
    [now],
  );
  return rows.map((r) => r.trigger_id);
}
