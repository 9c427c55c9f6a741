/**
 * Pure helpers of the schedules pages: a schedule's status, its spec and action as text, and
 * the lateness of an action (actual time − scheduled time). Kept apart from the pages so they
 * are unit-tested without a browser.
 */
import type { Schedule, ScheduleActionRecord, ScheduleSpec } from '@wfp/contracts';

export type ScheduleStatus = 'paused' | 'active' | 'exhausted' | 'ended';

/**
 * `paused` (takes no ticks), `exhausted` (remaining_actions reached 0), `ended` (no next fire
 * time: past its end_at), else `active`. `nextTimes` are describe's nextActionTimes, when known.
 */
export function scheduleStatus(schedule: Pick<Schedule, 'paused' | 'remaining_actions'>, nextTimes?: string[]): ScheduleStatus {
  if (schedule.paused) return 'paused';
  if (schedule.remaining_actions === 0) return 'exhausted';
  if (nextTimes && nextTimes.length === 0) return 'ended';
  return 'active';
}

/** `every 6h`, `every 6h offset 5h`, `cron 30 2 * * * (Europe/Paris)`, plus the window and jitter. */
export function specText(spec: ScheduleSpec): string {
  let text: string;
  if (spec.cron !== undefined) text = `cron ${spec.cron}${spec.timezone && spec.timezone !== 'UTC' ? ` (${spec.timezone})` : ''}`;
  else if (typeof spec.interval === 'string') text = spec.interval.startsWith('every') ? spec.interval : `every ${spec.interval}`;
  else if (spec.interval) text = `every ${spec.interval.interval}${spec.interval.offset ? ` offset ${spec.interval.offset}` : ''}`;
  else text = '—';
  const parts = [text];
  if (spec.start_at) parts.push(`from ${spec.start_at}`);
  if (spec.end_at) parts.push(`until ${spec.end_at}`);
  if (spec.jitter) parts.push(`jitter ${spec.jitter}`);
  return parts.join(', ');
}

/** `start workflow <id>` or `publish schedule.tick`. */
export function actionText(action: Schedule['action']): string {
  if (action.publish) return `publish ${action.publish.type}`;
  return `start workflow ${action.workflowID ?? '?'}`;
}

/** How late an action ran, in ms (actual − scheduled); undefined while it has not run. */
export function lateness(record: Pick<ScheduleActionRecord, 'scheduledTime' | 'actualTime'>): number | undefined {
  if (!record.actualTime) return undefined;
  const late = Date.parse(record.actualTime) - Date.parse(record.scheduledTime);
  return Number.isFinite(late) ? late : undefined;
}

/** The status of an action as one word, with its outcome or reason: `completed (succeeded)`, `skipped (overlap)`. */
export function actionStatusText(record: Pick<ScheduleActionRecord, 'status' | 'outcome' | 'reason'>): string {
  const detail = record.outcome ?? record.reason;
  return detail ? `${record.status} (${detail})` : record.status;
}
