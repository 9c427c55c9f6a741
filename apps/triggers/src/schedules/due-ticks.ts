import type { EntityManager } from 'typeorm';
import type { ScheduleRow } from './schedule-rows';
import type { CompiledSpec } from './core/fire-times';
import { jitterDelayMs } from './core/jitter';

/** Missed ticks kept as rows per pass (describe lists them); the others are only counted. */
const MISSED_ROWS_KEPT = 100;

/** The next fire time at or after `from` and the instant its action is due (plus jitter). */
export function dueCursor(scheduleId: string, compiled: CompiledSpec, from: Date): { next: Date | null; nextAction: Date | null } {
  const next = compiled.next(new Date(from.getTime() - 1)) ?? null;
  return { next, nextAction: next ? new Date(next.getTime() + jitterDelayMs(scheduleId, next, compiled.jitterMs)) : null };
}

/**
 * Step 2 of a pass: the due ticks (fire time + jitter ≤ now) become `buffered` rows, or `missed`
 * ones when older than the catch-up window (counted; the latest MISSED_ROWS_KEPT kept as rows);
 * `cursor` moves past them. None while paused or with no remaining actions. Returns the missed count.
 */
export async function takeDueTicks(
  manager: EntityManager,
  row: ScheduleRow,
  compiled: CompiledSpec,
  catchupWindowMs: number,
  cursor: { next: Date | null; nextAction: Date | null },
  now: Date,
  maxTicks: number,
): Promise<number> {
  if (row.paused || row.remaining_actions === 0) return 0;
  const windowStart = now.getTime() - catchupWindowMs;
  const buffered: Date[] = [];
  const missedKept: Date[] = [];
  let missed = 0;
  while (cursor.next && cursor.nextAction && cursor.nextAction.getTime() <= now.getTime() && buffered.length < maxTicks) {
    if (cursor.next.getTime() < windowStart) {
      missed += 1;
      missedKept.push(cursor.next);
      if (missedKept.length > MISSED_ROWS_KEPT) missedKept.shift();
    } else {
      buffered.push(cursor.next);
    }
    Object.assign(cursor, dueCursor(row.id, compiled, new Date(cursor.next.getTime() + 1)));
  }
  const reason = `older than the catch-up window (${row.definition.catchup_window}) when the service got to it at ${now.toISOString()}`;
  const times = [...missedKept, ...buffered];
  if (times.length > 0) {
    await manager.query(
      `INSERT INTO schedules.actions (schedule_id, scheduled_time, source, overlap, status, reason)
       SELECT $1, u.t, 'schedule', $2, u.status, u.reason FROM unnest($3::timestamptz[], $4::text[], $5::text[]) AS u(t, status, reason)
       ON CONFLICT (schedule_id, scheduled_time) DO NOTHING`,
      [
        row.id,
        row.definition.overlap,
        times.map((t) => t.toISOString()),
        times.map((_, i) => (i < missedKept.length ? 'missed' : 'buffered')),
        times.map((_, i) => (i < missedKept.length ? reason : null)),
      ],
    );
  }
  return missed;
}
