/**
 * Debounce, pure: each matching event restarts the quiet period; `timeout` caps the delay
 * from the first event of the burst. A pending start whose time has come is no longer
 * merged into: the next event opens a new burst.
 */
export interface PendingDebounce {
  /** The pending start's occurrence id. */
  id: string;
  firstAt: number;
  dueAt: number;
}

export type DebounceDecision =
  /** No pending start: this event's start is pending until `dueAt`. */
  | { kind: 'open'; dueAt: number; firstAt: number }
  /** `use: last`: this event replaces the pending one (skipped, debounced) and is due at `dueAt`. */
  | { kind: 'replace'; replaced: string; dueAt: number; firstAt: number }
  /** `use: first`: the pending start stays, due later; this event is skipped (debounced). */
  | { kind: 'extend'; pending: string; dueAt: number };

export function debounceDueAt(firstAt: number, now: number, periodMs: number, timeoutMs?: number): number {
  const quiet = now + periodMs;
  return timeoutMs === undefined ? quiet : Math.min(quiet, firstAt + timeoutMs);
}

export function debounce(
  pending: PendingDebounce | undefined,
  now: number,
  rule: { periodMs: number; timeoutMs?: number; use: 'last' | 'first' },
): DebounceDecision {
  if (!pending || pending.dueAt <= now) return { kind: 'open', firstAt: now, dueAt: debounceDueAt(now, now, rule.periodMs, rule.timeoutMs) };
  const dueAt = debounceDueAt(pending.firstAt, now, rule.periodMs, rule.timeoutMs);
  return rule.use === 'last'
    ? { kind: 'replace', replaced: pending.id, dueAt, firstAt: pending.firstAt }
    : { kind: 'extend', pending: pending.id, dueAt };
}
