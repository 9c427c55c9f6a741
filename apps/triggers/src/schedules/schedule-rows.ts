import type { OverlapPolicy, Schedule, ScheduleActionRecord } from '@wfp/contracts';
import type { StoredDefinition } from './schedule-definition';

/** Rows of the schedules schema, as `pg` returns them, and their wire shapes. */
export interface ScheduleRow {
  id: string;
  name: string;
  definition: StoredDefinition;
  paused: boolean;
  note: string | null;
  remaining_actions: number | null;
  next_scheduled_at: Date | null;
  next_action_at: Date | null;
  wake: boolean;
  /** bigint: pg returns it as text. */
  missed_catchup_window: string;
  created_at: Date;
  updated_at: Date;
}

export const SCHEDULE_COLUMNS =
  'id, name, definition, paused, note, remaining_actions, next_scheduled_at, next_action_at, wake, missed_catchup_window, created_at, updated_at';

export type ActionStatus = ScheduleActionRecord['status'];
export type ActionSource = ScheduleActionRecord['source'];

export interface ActionRow {
  schedule_id: string;
  scheduled_time: Date;
  seq: string;
  source: ActionSource;
  overlap: OverlapPolicy;
  status: ActionStatus;
  actual_time: Date | null;
  instance_id: string | null;
  event_id: string | null;
  outcome: ScheduleActionRecord['outcome'] | null;
  ended_at: Date | null;
  reason: string | null;
  /** The orchestrator call planned for the tick and not recorded as made yet (internal: not on the wire). */
  pending: PendingCall | null;
}

/** `start`: start its instance (status `running`, no instance id yet); `abort`: abort its instance (cancel_other, terminate_other). */
export type PendingCall = 'start' | 'abort';

export const ACTION_COLUMNS = 'schedule_id, scheduled_time, seq, source, overlap, status, actual_time, instance_id, event_id, outcome, ended_at, reason, pending';

/** Statuses of a tick that is not settled yet (it waits, or its instance has not ended). */
export const OPEN_STATUSES: ActionStatus[] = ['buffered', 'running', 'canceling'];

export function toSchedule(row: ScheduleRow): Schedule {
  const { spec, action, overlap, catchup_window, pause_on_failure } = row.definition;
  return {
    id: row.id,
    name: row.name,
    spec,
    action,
    overlap,
    catchup_window,
    paused: row.paused,
    ...(row.note !== null ? { note: row.note } : {}),
    remaining_actions: row.remaining_actions,
    pause_on_failure,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toActionRecord(row: ActionRow): ScheduleActionRecord {
  return {
    scheduledTime: row.scheduled_time.toISOString(),
    ...(row.actual_time ? { actualTime: row.actual_time.toISOString() } : {}),
    source: row.source,
    overlap: row.overlap,
    status: row.status,
    ...(row.instance_id ? { instanceID: row.instance_id } : {}),
    ...(row.event_id ? { eventID: row.event_id } : {}),
    ...(row.outcome ? { outcome: row.outcome } : {}),
    ...(row.ended_at ? { endedAt: row.ended_at.toISOString() } : {}),
    ...(row.reason ? { reason: row.reason } : {}),
  };
}

/** `pg` answers UPDATE … RETURNING through TypeORM's manager as [rows, count], INSERT … RETURNING as rows. */
export function rowsOf<T>(result: [T[], number] | T[]): T[] {
  return Array.isArray(result[0]) ? (result[0] as T[]) : (result as T[]);
}
