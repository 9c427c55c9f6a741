import { Cron } from 'croner';
import type { ScheduleSpec } from '@wfp/contracts';
import { parseDuration } from './duration';

/**
 * When a schedule fires, as pure functions of its spec: a compiled spec answers "the first fire
 * time after t" and "the fire times in [from, to)". Fire times are the *scheduled* times (jitter
 * is added by the caller when it runs them).
 *
 * - `cron`: 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), read in
 *   `timezone` (IANA, default UTC) by croner. Daylight saving time, as croner computes it and our
 *   tests pin: a local time that does not exist (Europe/Paris 02:30 on the last Sunday of March)
 *   fires once, at the next valid instant (03:00 local, the end of the gap); a local time that
 *   exists twice (02:30 on the last Sunday of October) fires once, at its first occurrence (summer
 *   time). Patterns whose hour is a wildcard or a step (`*\/30 * * * *`) follow elapsed time
 *   through the repeated hour (they fire in both passes: those are distinct instants).
 * - `interval`: every `interval` on a grid aligned on the Unix epoch plus `offset` (`every 6h
 *   offset 5h` fires at 05:00, 11:00, 17:00, 23:00 UTC), whatever the time zone.
 * - `start_at` (inclusive) and `end_at` (exclusive) bound both.
 */
export interface CompiledSpec {
  /** The first fire time strictly after `after`, or undefined when none is left. */
  next(after: Date): Date | undefined;
  /** Jitter bound in ms (0: none). */
  readonly jitterMs: number;
}

export type SpecProblem = { field: string; message: string };

const EVERY = /^every\s+(\S+)(?:\s+offset\s+(\S+))?$/i;

/** Compiles a spec, or names the field that is wrong. */
export function compileSpec(spec: ScheduleSpec): CompiledSpec | SpecProblem {
  const bounds = boundsOf(spec);
  if ('field' in bounds) return bounds;
  let jitterMs = 0;
  if (spec.jitter !== undefined) {
    const parsed = parseDuration(spec.jitter);
    if (parsed === undefined) return { field: 'spec.jitter', message: `invalid duration '${spec.jitter}' (e.g. 30s, 5m, 1h30m)` };
    jitterMs = parsed;
  }
  if ((spec.cron === undefined) === (spec.interval === undefined)) {
    return { field: 'spec', message: 'exactly one of cron or interval is required' };
  }
  const base = spec.cron !== undefined ? compileCron(spec.cron, spec.timezone ?? 'UTC') : compileInterval(spec.interval!, spec.timezone);
  if ('field' in base) return base;
  return {
    jitterMs,
    next(after: Date): Date | undefined {
      const from = bounds.startAt && after.getTime() < bounds.startAt ? new Date(bounds.startAt - 1) : after;
      const next = base.next(from);
      if (!next || (bounds.endAt !== undefined && next.getTime() >= bounds.endAt)) return undefined;
      return next;
    },
  };
}

export function isSpecProblem(value: CompiledSpec | SpecProblem): value is SpecProblem {
  return 'field' in value;
}

/** The first `count` fire times strictly after `after`. */
export function nextFireTimes(spec: CompiledSpec, after: Date, count: number): Date[] {
  const times: Date[] = [];
  let cursor = after;
  while (times.length < count) {
    const next = spec.next(cursor);
    if (!next) break;
    times.push(next);
    cursor = next;
  }
  return times;
}

/** The fire times in [from, to), at most `limit` of them (the earliest). */
export function fireTimesBetween(spec: CompiledSpec, from: Date, to: Date, limit: number): Date[] {
  const times: Date[] = [];
  let cursor = new Date(from.getTime() - 1);
  while (times.length < limit) {
    const next = spec.next(cursor);
    if (!next || next.getTime() >= to.getTime()) break;
    times.push(next);
    cursor = next;
  }
  return times;
}

type Base = { next(after: Date): Date | undefined };

function compileCron(pattern: string, timezone: string): Base | SpecProblem {
  const fields = pattern.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return { field: 'spec.cron', message: `'${pattern}' has ${fields.length} fields: 5 (minute first) or 6 (second first) are accepted` };
  }
  if (!validTimezone(timezone)) return { field: 'spec.timezone', message: `unknown IANA time zone '${timezone}'` };
  let cron: Cron;
  try {
    cron = new Cron(pattern, { timezone, paused: true, mode: fields.length === 5 ? '5-part' : '6-part' });
  } catch (error) {
    return { field: 'spec.cron', message: `invalid cron pattern '${pattern}': ${(error as Error).message.replace(/^CronPattern: /, '')}` };
  }
  return { next: (after) => cron.nextRun(after) ?? undefined };
}

function compileInterval(interval: NonNullable<ScheduleSpec['interval']>, timezone: string | undefined): Base | SpecProblem {
  if (timezone !== undefined && !validTimezone(timezone)) return { field: 'spec.timezone', message: `unknown IANA time zone '${timezone}'` };
  let every: string;
  let offset: string | undefined;
  if (typeof interval === 'string') {
    const words = EVERY.exec(interval.trim());
    every = words ? words[1] : interval;
    offset = words?.[2];
  } else {
    every = interval.interval;
    offset = interval.offset;
  }
  const field = typeof interval === 'string' ? 'spec.interval' : 'spec.interval.interval';
  const everyMs = parseDuration(every);
  if (everyMs === undefined || everyMs < 1000) return { field, message: `invalid interval '${every}': a duration of at least 1s (e.g. 1m, 6h, 'every 6h offset 5h')` };
  const offsetMs = offset === undefined ? 0 : parseDuration(offset);
  if (offsetMs === undefined || offsetMs >= everyMs) {
    return { field: typeof interval === 'string' ? 'spec.interval' : 'spec.interval.offset', message: `invalid offset '${offset}': a duration shorter than the interval` };
  }
  return {
    next(after) {
      const k = Math.floor((after.getTime() - offsetMs) / everyMs) + 1;
      return new Date(k * everyMs + offsetMs);
    },
  };
}

function validTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

function boundsOf(spec: ScheduleSpec): { startAt?: number; endAt?: number } | SpecProblem {
  const startAt = spec.start_at === undefined ? undefined : Date.parse(spec.start_at);
  const endAt = spec.end_at === undefined ? undefined : Date.parse(spec.end_at);
  if (startAt !== undefined && Number.isNaN(startAt)) return { field: 'spec.start_at', message: 'must be an ISO 8601 instant' };
  if (endAt !== undefined && Number.isNaN(endAt)) return { field: 'spec.end_at', message: 'must be an ISO 8601 instant' };
  if (startAt !== undefined && endAt !== undefined && endAt <= startAt) return { field: 'spec.end_at', message: 'must be after start_at' };
  return { startAt, endAt };
}
