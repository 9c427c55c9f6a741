import { currentTraceparent } from '@wfp/platform';
import { Transition } from '../core/transition';
import { Queryable, run, sql } from './engine-db';

/**
 * Writes a batch of transitions in ONE statement (so an autocommit start is one round trip and
 * one commit): data-modifying CTEs, one per table, each reading its rows from one JSON
 * parameter (`json_to_recordset`: one `JSON.stringify` in Node, parsed in C by Postgres — no
 * per-value array escaping). New instances are inserted with `ON CONFLICT (idempotency_key) DO
 * NOTHING`; every other row of a new instance is written only when that insert happened (`live`),
 * so a lost idempotency race leaves no trace. Returns the ids of the instances it inserted.
 */
const WRITE_TRANSITIONS = sql<{ inserted: string[] }>(
  'write-transitions',
  `WITH
  ins AS (
    INSERT INTO orchestrator.instances
      (id, workflow_id, variables, idempotency_key, status, terminated, terminated_at, error, created_at, updated_at, chain_depth, metadata,
       origin_trigger_id, origin_schedule_id, origin_event_id, canceled_by)
    SELECT u.id, u.workflow_id, u.variables, u.idempotency_key, u.status, u.status <> 'running', u.terminated_at, u.error, u.created_at, u.updated_at,
           coalesce(u.chain_depth, 0), coalesce(u.metadata, '{}'), u.origin_trigger_id, u.origin_schedule_id, u.origin_event_id, u.canceled_by
      FROM json_to_recordset($1::json) AS u(id uuid, workflow_id uuid, variables jsonb, idempotency_key text, status text,
                                            terminated_at timestamptz, error text, created_at timestamptz, updated_at timestamptz,
                                            chain_depth int, metadata jsonb, queued boolean,
                                            origin_trigger_id text, origin_schedule_id text, origin_event_id text, canceled_by text)
      JOIN orchestrator.workflows w ON w.id = u.workflow_id AND w.deleted_at IS NULL
       AND (w.paused_mode IS NULL OR (w.paused_mode = 'queue' AND u.queued))
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id),
  upd AS (
    UPDATE orchestrator.instances i
       SET status = u.status, terminated = u.status <> 'running', terminated_at = u.terminated_at,
           error = u.error, updated_at = u.updated_at, variables = coalesce(u.variables, i.variables),
           canceled_by = coalesce(u.canceled_by, i.canceled_by), cancel_requested_by = coalesce(u.cancel_requested_by, i.cancel_requested_by)
      FROM json_to_recordset($2::json) AS u(id uuid, status text, terminated_at timestamptz, error text, updated_at timestamptz, variables jsonb,
                                            canceled_by text, cancel_requested_by text)
     WHERE i.id = u.id
    RETURNING i.id),
  live AS (SELECT id FROM ins UNION ALL SELECT id FROM upd),
  new_runs AS (
    INSERT INTO orchestrator.stage_runs
      (instance_id, stage, kind, history_name, input, status, started_at, terminated_at, error, output)
    SELECT u.* FROM json_to_recordset($3::json) AS u(instance_id uuid, stage int, kind text, history_name text, input jsonb,
                                                   status text, started_at timestamptz, terminated_at timestamptz, error text, output jsonb)
     WHERE u.instance_id IN (SELECT id FROM live)
    ON CONFLICT (instance_id, stage) DO NOTHING),
  redriven_runs AS (
    UPDATE orchestrator.stage_runs r
       SET kind = u.kind, history_name = u.history_name, input = u.input, status = u.status, started_at = u.started_at,
           terminated_at = u.terminated_at, error = u.error, output = u.output, attempts = 0,
           redrives = r.redrives + 1, error_before_redrive = r.error
      FROM json_to_recordset($14::json) AS u(instance_id uuid, stage int, kind text, history_name text, input jsonb,
                                            status text, started_at timestamptz, terminated_at timestamptz, error text, output jsonb)
     WHERE r.instance_id = u.instance_id AND r.stage = u.stage),
  ended_runs AS (
    UPDATE orchestrator.stage_runs r
       SET status = u.status, terminated_at = u.terminated_at, error = u.error, output = coalesce(u.output, r.output)
      FROM json_to_recordset($4::json) AS u(instance_id uuid, stage int, status text, terminated_at timestamptz, error text, output jsonb)
     WHERE r.instance_id = u.instance_id AND r.stage = u.stage),
  set_timers AS (
    INSERT INTO orchestrator.timers (instance_id, stage, action, due_at, attempt)
    SELECT u.* FROM json_to_recordset($5::json) AS u(instance_id uuid, stage int, action text, due_at timestamptz, attempt int)
     WHERE u.instance_id IN (SELECT id FROM live)
    ON CONFLICT (instance_id) DO UPDATE
       SET stage = EXCLUDED.stage, action = EXCLUDED.action, due_at = EXCLUDED.due_at,
           attempt = EXCLUDED.attempt, failures = 0, last_error = NULL, lease_id = NULL),
  del_timers AS (DELETE FROM orchestrator.timers WHERE instance_id = ANY($6::uuid[])),
  new_waits AS (
    INSERT INTO orchestrator.waits (instance_id, stage, event, created_at, deadline, on_timeout)
    SELECT u.* FROM json_to_recordset($7::json)
             AS u(instance_id uuid, stage int, event text, created_at timestamptz, deadline timestamptz, on_timeout text)
     WHERE u.instance_id IN (SELECT id FROM live)),
  del_waits AS (DELETE FROM orchestrator.waits WHERE instance_id = ANY($8::uuid[])),
  del_bus_waits AS (DELETE FROM orchestrator.bus_waits WHERE instance_id = ANY($8::uuid[])),
  del_cancel_waits AS (DELETE FROM orchestrator.cancel_waits WHERE instance_id = ANY($15::uuid[])),
  del_collect_waits AS (
    DELETE FROM orchestrator.collect_waits c
     WHERE c.instance_id = ANY($15::uuid[])
        OR (c.instance_id, c.stage) IN (SELECT u.instance_id, u.stage FROM json_to_recordset($16::json) AS u(instance_id uuid, stage int))),
  del_collected AS (DELETE FROM orchestrator.collected_events WHERE instance_id = ANY($15::uuid[])),
  del_buffered AS (
    DELETE FROM orchestrator.buffered_events WHERE id = ANY($9::bigint[]) OR instance_id = ANY($10::uuid[])),
  new_buffered AS (
    INSERT INTO orchestrator.buffered_events (instance_id, name, received_at)
    SELECT u.* FROM json_to_recordset($13::json) AS u(instance_id uuid, name text, received_at timestamptz)
     WHERE u.instance_id IN (SELECT id FROM live)),
  events AS (
    INSERT INTO orchestrator.outbox (id, envelope, traceparent)
    SELECT u.id, u.envelope, $12::text FROM json_to_recordset($11::json) AS u(id uuid, instance_id uuid, envelope jsonb)
     WHERE u.instance_id IN (SELECT id FROM live))
  SELECT coalesce((SELECT array_agg(id) FROM ins), '{}') AS inserted`,
);

/** The statement's parameters, filled from a batch of transitions (final states only). */
function parameters(batch: readonly Transition[]): unknown[] {
  const newInstances: unknown[] = [];
  const updatedInstances: unknown[] = [];
  const newRuns: unknown[] = [];
  const redrivenRuns: unknown[] = [];
  const endedRuns: unknown[] = [];
  const timers: unknown[] = [];
  const deletedTimers: string[] = [];
  const waits: unknown[] = [];
  const deletedWaits: string[] = [];
  const consumedBuffered: string[] = [];
  const droppedBuffered: string[] = [];
  const newBuffered: unknown[] = [];
  const events: unknown[] = [];
  const endedInstances: string[] = [];
  const collectDone: unknown[] = [];
  for (const t of batch) {
    const i = t.instance;
    // Dates as ISO strings, the transition's `now` rendered once (most dates of a transition are it).
    const now = t.nowIso;
    const iso = (date: Date | null) => (date === null ? null : date === t.now ? now : date.toISOString());
    const variables = t.isNew || t.variablesChanged ? i.variables : null;
    if (t.isNew) {
      newInstances.push({
        id: i.id, workflow_id: i.workflowId, variables, idempotency_key: i.idempotencyKey ?? null, status: t.status,
        terminated_at: iso(t.terminatedAt), error: t.error, created_at: iso(i.createdAt), updated_at: now,
        chain_depth: i.chainDepth ?? 0, metadata: i.metadata ?? null, queued: t.queued, canceled_by: t.canceledBy,
        origin_trigger_id: i.origin?.triggerId ?? null, origin_schedule_id: i.origin?.scheduleId ?? null, origin_event_id: i.origin?.eventId ?? null,
      });
    } else {
      updatedInstances.push({
        id: i.id, status: t.status, terminated_at: iso(t.terminatedAt), error: t.error, updated_at: now, variables,
        canceled_by: t.canceledBy, cancel_requested_by: t.cancelRequestedBy,
      });
      if (t.terminated) endedInstances.push(i.id);
    }
    for (const stage of t.collectDone) collectDone.push({ instance_id: i.id, stage });
    for (const r of t.runs.values()) {
      if (r.isNew) {
        (r.redrive ? redrivenRuns : newRuns).push({
          instance_id: i.id, stage: r.stage, kind: r.kind, history_name: r.historyName, input: r.input, status: r.status,
          started_at: iso(r.startedAt), terminated_at: iso(r.terminatedAt), error: r.error, output: r.output,
        });
      } else {
        endedRuns.push({ instance_id: i.id, stage: r.stage, status: r.status, terminated_at: iso(r.terminatedAt), error: r.error, output: r.output });
      }
    }
    if (t.timer) timers.push({ instance_id: i.id, stage: t.timer.stage, action: t.timer.action, due_at: iso(t.timer.dueAt), attempt: t.timer.attempt });
    else if (t.clearsTimer) deletedTimers.push(i.id);
    if (t.wait) {
      waits.push({
        instance_id: i.id, stage: t.wait.stage, event: t.wait.event, created_at: now,
        deadline: iso(t.wait.deadline ?? null), on_timeout: t.wait.onTimeout ?? null,
      });
    }
    if (t.clearsWaits) deletedWaits.push(i.id);
    consumedBuffered.push(...t.consumedBuffered);
    if (t.dropsBuffered) droppedBuffered.push(i.id);
    for (const name of t.newBuffered) newBuffered.push({ instance_id: i.id, name, received_at: now });
    // One outbox row per transition: its events in order, as an array (the relay publishes each).
    if (t.events.length > 0) events.push({ id: t.events[0].id, instance_id: i.id, envelope: t.events });
  }
  const json = (rows: unknown[]) => JSON.stringify(rows);
  return [
    json(newInstances), json(updatedInstances), json(newRuns), json(endedRuns), json(timers), deletedTimers,
    json(waits), deletedWaits, consumedBuffered, droppedBuffered, json(events),
    // The active trace (a start command's span), kept on the outbox rows (NULL when tracing is off).
    currentTraceparent(),
    json(newBuffered),
    json(redrivenRuns),
    // Instances that ended: their cancel and collect matchers, and what they collected, go.
    endedInstances,
    // wait_for_events stages that ended: their matchers stop collecting.
    json(collectDone),
  ];
}

/**
 * Writes the batch's rows in ONE statement; returns the ids of the new instances actually
 * inserted. Rows only: the unit of work (unit-of-work.ts) adds the bus waits, the commit, the
 * outbox flush, the wake-up and the metrics.
 */
export async function writeTransitions(db: Queryable, batch: readonly Transition[]): Promise<Set<string>> {
  if (batch.length === 0) return new Set();
  const [row] = await run(db, WRITE_TRANSITIONS, parameters(batch));
  return new Set(row.inserted);
}
