import { Injectable } from '@nestjs/common';
import { InstanceStatus, StageRunStatus, TimerAction } from '../core/statuses';
import { InstanceOrigin, InstanceSnapshot } from '../core/transition';
import { Queryable, run, sql } from './engine-db';
import { WorkflowStages } from './workflow-stages';

interface LoadedRow {
  id: string;
  workflow_id: string;
  variables: Record<string, string>;
  created_at: Date;
  chain_depth: number;
  metadata: Record<string, string>;
  cancel_requested_by: string | null;
  origin_trigger_id: string | null;
  origin_schedule_id: string | null;
  origin_event_id: string | null;
  status: InstanceStatus;
  buffered: Array<{ id: string; name: string }> | null;
  collected: Array<{ stage: number; matcher: number; payload: Record<string, unknown> }> | null;
  open_runs: Array<{ stage: number; status: StageRunStatus; started_at: string }> | null;
  wait: { stage: number; event: string; deadline: string | null; on_timeout: 'fail' | 'continue' | null } | null;
  bus_wait: { stage: number; on_event: 'continue' | 'succeed'; on_timeout: 'fail' | 'continue' | 'succeed' } | null;
  timer: { stage: number; action: TimerAction; attempt: number; due_at: string; lease_id: string | null } | null;
}

const SQL = {
  /** The instances' row locks, in id order (two transitions never wait on each other in a circle). */
  lock: sql<{ id: string }>('load.lock', `SELECT id FROM orchestrator.instances WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`),
  /**
   * Everything a transition needs, read in a statement of its own once the locks are held: a
   * statement's snapshot is taken before it waits for a lock, so rows written by the transaction
   * that held the lock (a buffered event, a wait) would be invisible to a join in the locking
   * statement — and the instance would then wait forever for an event that sits in its buffer.
   */
  load: sql<LoadedRow>(
    'load.instances',
    `SELECT i.id, i.workflow_id, i.variables, i.created_at, i.chain_depth, i.metadata, i.cancel_requested_by, i.status,
       i.origin_trigger_id, i.origin_schedule_id, i.origin_event_id,
       (SELECT json_agg(json_build_object('id', b.id::text, 'name', b.name) ORDER BY b.id)
          FROM orchestrator.buffered_events b WHERE b.instance_id = i.id) AS buffered,
       (SELECT json_agg(json_build_object('stage', c.stage, 'matcher', c.matcher, 'payload', c.payload) ORDER BY c.id)
          FROM orchestrator.collected_events c WHERE c.instance_id = i.id) AS collected,
       (SELECT json_agg(json_build_object('stage', r.stage, 'status', r.status, 'started_at', r.started_at) ORDER BY r.stage)
          FROM orchestrator.stage_runs r WHERE r.instance_id = i.id AND r.terminated_at IS NULL) AS open_runs,
       (SELECT json_build_object('stage', w.stage, 'event', w.event, 'deadline', w.deadline, 'on_timeout', w.on_timeout)
          FROM orchestrator.waits w WHERE w.instance_id = i.id) AS wait,
       (SELECT json_build_object('stage', bw.stage, 'on_event', bw.on_event, 'on_timeout', bw.on_timeout)
          FROM orchestrator.bus_waits bw WHERE bw.instance_id = i.id) AS bus_wait,
       (SELECT json_build_object('stage', t.stage, 'action', t.action, 'attempt', t.attempt, 'due_at', t.due_at, 'lease_id', t.lease_id)
          FROM orchestrator.timers t WHERE t.instance_id = i.id) AS timer
       FROM orchestrator.instances i
      WHERE i.id = ANY($1::uuid[])`,
  ),
};

/**
 * THE instance loader: every system that changes an instance loads it here, under the instance's
 * row lock — instance, stages, buffered events, open stage runs, wait, bus wait and timer — so no
 * system can forget a part of it.
 */
@Injectable()
export class InstanceLoader {
  constructor(private readonly stages: WorkflowStages) {}

  /** Locks the instances (waiting for other transitions), then loads them. Unknown ids are absent. */
  async lockAndLoad(db: Queryable, ids: readonly string[]): Promise<Map<string, InstanceSnapshot>> {
    if (ids.length === 0) return new Map();
    const locked = await run(db, SQL.lock, [ids]);
    return this.loadLocked(db, locked.map((row) => row.id));
  }

  /** Loads instances whose row locks this transaction already holds (e.g. the timer claim's). */
  async loadLocked(db: Queryable, ids: readonly string[]): Promise<Map<string, InstanceSnapshot>> {
    if (ids.length === 0) return new Map();
    const rows = await run(db, SQL.load, [ids]);
    const stages = await this.stages.of(db, rows.map((row) => row.workflow_id));
    return new Map(rows.map((row) => [row.id, toSnapshot(row, stages.get(row.workflow_id) ?? [])]));
  }
}

function toSnapshot(row: LoadedRow, stages: readonly unknown[]): InstanceSnapshot {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    stages,
    variables: row.variables,
    createdAt: row.created_at,
    status: row.status,
    chainDepth: row.chain_depth,
    metadata: row.metadata,
    cancelRequestedBy: row.cancel_requested_by,
    ...originOf(row),
    buffered: row.buffered ?? [],
    ...(row.collected ? { collected: row.collected } : {}),
    openRuns: new Map((row.open_runs ?? []).map((r) => [r.stage, { status: r.status, startedAt: new Date(r.started_at) }])),
    wait: row.wait
      ? { stage: row.wait.stage, event: row.wait.event, deadline: row.wait.deadline ? new Date(row.wait.deadline) : null, onTimeout: row.wait.on_timeout }
      : null,
    busWait: row.bus_wait ? { stage: row.bus_wait.stage, onEvent: row.bus_wait.on_event, onTimeout: row.bus_wait.on_timeout } : null,
    timer: row.timer
      ? { stage: row.timer.stage, action: row.timer.action, attempt: row.timer.attempt, dueAt: new Date(row.timer.due_at), leaseId: row.timer.lease_id }
      : null,
  };
}

/** The instance's origin from its row (absent when nothing but a user started it). */
export function originOf(row: {
  origin_trigger_id?: string | null;
  origin_schedule_id?: string | null;
  origin_event_id?: string | null;
}): { origin?: InstanceOrigin } {
  if (!row.origin_trigger_id && !row.origin_schedule_id && !row.origin_event_id) return {};
  return {
    origin: {
      ...(row.origin_trigger_id ? { triggerId: row.origin_trigger_id } : {}),
      ...(row.origin_schedule_id ? { scheduleId: row.origin_schedule_id } : {}),
      ...(row.origin_event_id ? { eventId: row.origin_event_id } : {}),
    },
  };
}
