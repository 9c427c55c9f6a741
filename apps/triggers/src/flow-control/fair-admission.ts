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
  /** Per concurrency rule, its bucket in `running` (default `slotKey(rule, key)`; shared slots: see slotBucket). */
  slotKeys?: string[];
  throttleKey: string | null;
  /** This start's throttle (default: the state's; a round over several triggers has one per trigger). */
  throttleParams?: GcraParams;
}

export interface AdmissionState {
  /** Slots held, by `<rule>\u0000<key>` (or by the starts' `slotKeys`). */
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

/**
 * The bucket of a slot in a round over one or several triggers: a trigger's own slots per
 * (trigger, rule, key); the shared slots of a rule of scope `workflow` per (scope, key), whatever
 * trigger and rule index took them.
 */
export const slotBucket = (triggerId: string, rule: number, key: string, scope: string | null | undefined) =>
  scope ? `s\u0000${scope}\u0000${key}` : `t\u0000${triggerId}\u0000${slotKey(rule, key)}`;

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
    const bucket = (rule: number, key: string) => start.slotKeys?.[rule] ?? slotKey(rule, key);
    const full = start.concurrencyKeys.findIndex((key, rule) => (running.get(bucket(rule, key)) ?? 0) >= start.concurrencyLimits[rule]);
    if (full >= 0) {
      result.waiting.push({ start, reason: 'concurrency', rule: full });
      continue;
    }
    const throttleParams = start.throttleParams ?? state.throttleParams;
    if (throttleParams && start.throttleKey !== null) {
      const key = start.throttleKey;
      if (throttledKeys.has(key)) {
        result.waiting.push({ start, reason: 'throttle' });
        continue;
      }
      const decision = gcra(throttle.get(key) ?? state.throttle.get(key), now, throttleParams);
      if (!decision.allowed) {
        throttledKeys.add(key);
        result.wakeAt = Math.min(result.wakeAt ?? Infinity, decision.retryAt);
        result.waiting.push({ start, reason: 'throttle' });
        continue;
      }
      throttle.set(key, decision.tat);
    }
    start.concurrencyKeys.forEach((key, rule) => running.set(bucket(rule, key), (running.get(bucket(rule, key)) ?? 0) + 1));
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
