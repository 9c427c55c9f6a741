/**
 * GCRA (generic cell rate algorithm), pure: a bucket is one timestamp, its theoretical arrival
 * time (TAT). A start at `now` conforms when `now >= tat - tolerance`; it then moves the TAT to
 * `max(tat, now) + interval`. Throttle and rate limit both use it; their parameters differ.
 */
export interface GcraParams {
  /** Emission interval: period / limit. */
  intervalMs: number;
  /** How far ahead of the TAT a start may come (the burst). */
  toleranceMs: number;
}

export interface GcraResult {
  allowed: boolean;
  /** The bucket's TAT after this start (unchanged when refused). */
  tat: number;
  /** When a refused start would conform (its own time when allowed). */
  retryAt: number;
}

/** Throttle `{limit, period, burst}`: `limit + burst` at once, then one every period / limit. */
export function throttleParams(limit: number, periodMs: number, burst: number): GcraParams {
  const intervalMs = periodMs / limit;
  return { intervalMs, toleranceMs: intervalMs * (limit + burst - 1) };
}

/** Rate limit `{limit, period}`: at most `limit` within any window of `period`, spread evenly. */
export function rateLimitParams(limit: number, periodMs: number): GcraParams {
  const intervalMs = periodMs / limit;
  return { intervalMs, toleranceMs: intervalMs * (limit - 1) };
}

export function gcra(tat: number | undefined, now: number, params: GcraParams): GcraResult {
  const current = tat ?? now;
  const allowedFrom = current - params.toleranceMs;
  if (now < allowedFrom) return { allowed: false, tat: current, retryAt: allowedFrom };
  return { allowed: true, tat: Math.max(current, now) + params.intervalMs, retryAt: now };
}
