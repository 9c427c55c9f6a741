import { gcra, GcraParams } from './gcra';

/**
 * Admission of queued starts, pure: which of a trigger's queued starts may start now.
 *
 * - Order: round robin across fairness keys (the first concurrency key, else the throttle key):
 *   the head of every key first (keys by their head's ready time), then every key's second, …
 *   so a key with 10,000 queued delays a key with 1 by at most one start. Within a key, by
 *   `readyAt` (enqueue time minus the priority head start), then `seq`.
 * - A start is admitted only when every concurrency rule has room for its key; a full key is
 *   passed over (its later starts too), others go on.
 * - Throttle: FIFO per throttle key — once a key's head does not conform, the key waits.
 */
export interface QueuedStart {
  id: string;
  seq: number;
  fairKey: string;
  readyAt: number;
  /** One key per concurrency rule, and that rule's limit for this start. */
  concurrencyKeys: string[];
  concurrencyLimits: number[];
  throttleKey: string | null;
}

export interface AdmissionState {
  /** Slots held, by `<rule>\u0000<key>`. */
  running: Map<string, number>;
  /** Throttle TAT by key (ms). */
  throttle: Map<string, number>;
  throttleParams?: GcraParams;
}

export interface AdmissionResult {
  admitted: QueuedStart[];
  /** Not admitted now, and why. */
  waiting: Array<{ start: QueuedStart; reason: 'concurrency' | 'throttle'; /** The full concurrency rule. */ rule?: number }>;
  /** Throttle TATs changed by the admitted starts. */
  throttle: Map<string, number>;
  /** Earliest time a throttled start conforms (undefined: none is throttled). */
  wakeAt?: number;
}

export const slotKey = (rule: number, key: string) => `${rule}\u0000${key}`;

/** Round robin across fairness keys (see the module comment). */
export function fairOrder<T extends Pick<QueuedStart, 'fairKey' | 'readyAt' | 'seq'>>(starts: T[]): T[] {
  const byKey = new Map<string, T[]>();
  for (const start of starts) {
    const list = byKey.get(start.fairKey);
    if (list) list.push(start);
    else byKey.set(start.fairKey, [start]);
  }
  const before = (a: T, b: T) => a.readyAt - b.readyAt || a.seq - b.seq;
  const queues = [...byKey.values()].map((list) => list.sort(before)).sort((a, b) => before(a[0], b[0]));
  const out: T[] = [];
  for (let round = 0; out.length < starts.length; round++) {
    for (const queue of queues) if (round < queue.length) out.push(queue[round]);
  }
  return out;
}

export function admit(starts: QueuedStart[], state: AdmissionState, now: number): AdmissionResult {
  const running = new Map(state.running);
  const throttle = new Map<string, number>();
  const throttledKeys = new Set<string>();
  const result: AdmissionResult = { admitted: [], waiting: [], throttle };
  for (const start of fairOrder(starts)) {
    const full = start.concurrencyKeys.findIndex((key, rule) => (running.get(slotKey(rule, key)) ?? 0) >= start.concurrencyLimits[rule]);
    if (full >= 0) {
      result.waiting.push({ start, reason: 'concurrency', rule: full });
      continue;
    }
    if (state.throttleParams && start.throttleKey !== null) {
      const key = start.throttleKey;
      if (throttledKeys.has(key)) {
        result.waiting.push({ start, reason: 'throttle' });
        continue;
      }
      const decision = gcra(throttle.get(key) ?? state.throttle.get(key), now, state.throttleParams);
      if (!decision.allowed) {
        throttledKeys.add(key);
        result.wakeAt = Math.min(result.wakeAt ?? Infinity, decision.retryAt);
        result.waiting.push({ start, reason: 'throttle' });
        continue;
      }
      throttle.set(key, decision.tat);
    }
    start.concurrencyKeys.forEach((key, rule) => running.set(slotKey(rule, key), (running.get(slotKey(rule, key)) ?? 0) + 1));
    result.admitted.push(start);
  }
  return result;
}

/** Priority: seconds of head start, clamped to −600…600 (not a number: none). */
export function priorityHeadStartMs(value: unknown): number {
  const seconds = typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(seconds)) return 0;
  return Math.round(Math.max(-600, Math.min(600, seconds)) * 1000);
}
