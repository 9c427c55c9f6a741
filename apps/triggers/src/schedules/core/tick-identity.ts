import { createHash } from 'node:crypto';

/**
 * The id of everything one tick produces (the event id of a publish action; the instance's
 * idempotency key derives from the same pair): a UUID computed from (schedule id, scheduled time).
 */
export function tickUuid(scheduleId: string, scheduledTime: Date): string {
  const hex = createHash('sha256').update(`schedule:${scheduleId}:${scheduledTime.toISOString()}`).digest('hex');
  // RFC 9562 version 8 (custom), variant 10.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The orchestrator idempotency key of the instance of (schedule, scheduled time). */
export function tickIdempotencyKey(scheduleId: string, scheduledTime: Date): string {
  return `schedule:${scheduleId}:${scheduledTime.toISOString()}`;
}
