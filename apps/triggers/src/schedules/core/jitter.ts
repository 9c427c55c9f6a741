import { createHash } from 'node:crypto';

/**
 * Deterministic jitter: the delay of the action of (schedule, scheduled time), in [0, jitterMs),
 * from a hash of both. Every replica and every retry computes the same delay, so jitter never
 * makes a tick run twice or move.
 */
export function jitterDelayMs(scheduleId: string, scheduledTime: Date, jitterMs: number): number {
  if (jitterMs <= 0) return 0;
  const digest = createHash('sha256').update(`${scheduleId}:${scheduledTime.toISOString()}`).digest();
  return digest.readUInt32BE(0) % jitterMs;
}
