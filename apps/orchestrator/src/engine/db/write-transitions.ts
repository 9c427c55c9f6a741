import { Queryable, run, sql } from './engine-db';
import { Transition } from '../transition';

/**
 * Writes a batch of transitions in ONE statement (so an autocommit start is one round trip and
 * one commit): data-modifying CTEs over `unnest`ed column arrays, one per table. New instances
 * are inserted with `ON CONFLICT (idempotency_key) DO NOTHING`; every other row of a new
 * instance is written only when that insert happened (`live`), so a lost idempotency race leaves
 * no trace. Returns the ids of the instances it inserted.
 */
const WRITE_TRANSITIONS = sql<{ inserted: string[] }>(
  'write-transitions',
  `WITH
  ins AS (
    INSERT INTO orchestrator.instances
      (id, workflow_id, variables, idempotency_key, status, terminated, terminated_at, error, created_at, updated_at)
    SELECT u.id, u.workflow_id, u.variables, u.idempotency_key, u.status, u.status <> 'running', u.terminated_at, u.error, u.created_at, u.updated_at
      FROM unnest($1::uuid[], $2::uuid[], $3::jsonb[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::timestamptz[], $9::timestamptz[])
           AS u(id, workflow_id, variables, idempotency_key, status, terminated_at, error, created_at, updated_at)
      JOIN orchestrator.workflows w ON w.id = u.workflow_id AND w.deleted_at IS NULL
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id),
  upd AS (
    UPDATE orchestrator.instances i
       SET status = u.status, terminated = u.status <> 'running', terminated_at = u.terminated_at,
           error = u.error, updated_at = u.updated_at, variables = coalesce(u.variables, i.variables)
      FROM unnest($10::uuid[], $11::text[], $12::timestamptz[], $13::text[], $14::timestamptz[], $15::jsonb[])
           AS u(id, status, terminated_at, error, updated_at, variables)
     WHERE i.id = u.id
    RETURNING i.id),
  live AS (SELECT id FROM ins UNION ALL SELECT id FROM upd),
  new_runs AS (
    INSERT INTO orchestrator.stage_runs
      (instance_id, stage, kind, history_name, input, status, started_at, terminated_at, error, output)
    SELECT u.* FROM unnest($16::uuid[], $17::int[], $18::text[], $19::text[], $20::jsonb[], $21::text[], $22::timestamptz[], $23::timestamptz[], $24::text[], $25::jsonb[])
           AS u(instance_id, stage, kind, history_name, input, status, started_at, terminated_at, error, output)
     WHERE u.instance_id IN (SELECT id FROM live)
    ON CONFLICT (instance_id, stage) DO NOTHING),
  ended_runs AS (
    UPDATE orchestrator.stage_runs r
       SET status = u.status, terminated_at = u.terminated_at, error = u.error, output = coalesce(u.output, r.output)
      FROM unnest($26::uuid[], $27::int[], $28::text[], $29::timestamptz[], $30::text[], $31::jsonb[])
           AS u(instance_id, stage, status, terminated_at, error, output)
     WHERE r.instance_id = u.instance_id AND r.stage = u.stage),
  set_timers AS (
    INSERT INTO orchestrator.timers (instance_id, stage, action, due_at, attempt)
    SELECT u.* FROM unnest($32::uuid[], $33::int[], $34::text[], $35::timestamptz[], $36::int[])
           AS u(instance_id, stage, action, due_at, attempt)
     WHERE u.instance_id IN (SELECT id FROM live)
    ON CONFLICT (instance_id) DO UPDATE
       SET stage = EXCLUDED.stage, action = EXCLUDED.action, due_at = EXCLUDED.due_at,
           attempt = EXCLUDED.attempt, failures = 0, last_error = NULL),
  del_timers AS (DELETE FROM orchestrator.timers WHERE instance_id = ANY($37::uuid[])),
  new_waits AS (
    INSERT INTO orchestrator.waits (instance_id, stage, event, created_at)
    SELECT u.* FROM unnest($38::uuid[], $39::int[], $40::text[], $41::timestamptz[]) AS u(instance_id, stage, event, created_at)
     WHERE u.instance_id IN (SELECT id FROM live)),
  del_waits AS (DELETE FROM orchestrator.waits WHERE instance_id = ANY($42::uuid[])),
  del_buffered AS (
    DELETE FROM orchestrator.buffered_events WHERE id = ANY($43::bigint[]) OR instance_id = ANY($44::uuid[])),
  events AS (
    INSERT INTO orchestrator.outbox (id, envelope)
    SELECT u.id, u.envelope FROM unnest($45::uuid[], $46::uuid[], $47::jsonb[]) AS u(id, instance_id, envelope)
     WHERE u.instance_id IN (SELECT id FROM live))
  SELECT coalesce((SELECT array_agg(id) FROM ins), '{}') AS inserted`,
);

/** Column arrays for WRITE_TRANSITIONS, filled from a batch of transitions. */
function columns(batch: readonly Transition[]): unknown[] {
  const c = Array.from({ length: 47 }, () => [] as unknown[]);
  const push = (from: number, ...values: unknown[]) => values.forEach((value, i) => c[from + i].push(value));
  for (const t of batch) {
    const i = t.instance;
    const variables = t.isNew || t.variablesChanged ? JSON.stringify(i.variables) : null;
    if (t.isNew) {
      push(0, i.id, i.workflowId, variables, i.idempotencyKey ?? null, t.status, t.terminatedAt, t.error, i.createdAt, t.now);
    } else {
      push(9, i.id, t.status, t.terminatedAt, t.error, t.now, variables);
    }
    for (const r of t.runs.values()) {
      const output = r.output === null ? null : JSON.stringify(r.output);
      if (r.isNew) {
        push(15, i.id, r.stage, r.kind, r.historyName, r.input === null ? null : JSON.stringify(r.input), r.status, r.startedAt, r.terminatedAt, r.error, output);
      } else {
        push(25, i.id, r.stage, r.status, r.terminatedAt, r.error, output);
      }
    }
    if (t.timer) push(31, i.id, t.timer.stage, t.timer.action, t.timer.dueAt, t.timer.attempt);
    else if (t.timer === null && !t.isNew) c[36].push(i.id);
    if (t.wait) push(37, i.id, t.wait.stage, t.wait.event, t.now);
    if (t.deleteWait) c[41].push(i.id);
    c[42].push(...t.consumedBuffered);
    if (t.dropBuffered && !t.isNew) c[43].push(i.id);
    for (const event of t.events) push(44, event.id, i.id, event.envelope);
  }
  return c;
}

/** Writes the batch; returns the ids of the new instances actually inserted. */
export async function writeTransitions(db: Queryable, batch: readonly Transition[]): Promise<Set<string>> {
  if (batch.length === 0) return new Set();
  const [row] = await run(db, WRITE_TRANSITIONS, columns(batch));
  return new Set(row.inserted);
}
