import { isTemplated, StageDefinition } from '../../core/stage-kind';
import { formatGoDuration, parseGoDuration } from '../shared/go-duration';

/**
 * `delay`: exactly one of `duration` (Go syntax) or `until` (RFC 3339); a durable timer.
 *
 * Guarantees: a delay never produces an invalid or unrepresentable due date.
 * - `duration` is bounded by {@link MAX_DELAY_MS} (100 years, `876000h`) in either sign; Go's own
 *   limit (int64 nanoseconds, ~292 years) is wider, so every Go-valid duration we accept is also
 *   Go-valid.
 * - `until` must be a real calendar instant (no 30 February, no hour 24, offsets ≤ 23:59) between
 *   {@link MIN_UNTIL} and {@link MAX_UNTIL}, which JS `Date` and Postgres `timestamptz` both hold.
 * Literal values are checked at workflow creation (→ 400); values that only appear after `${var}`
 * interpolation are checked by `resolve`, which fails the stage with the same message.
 */

/** The longest delay accepted: 100 years of 365 days (`876000h`). */
export const MAX_DELAY_MS = 100 * 365 * 24 * 3_600_000;
/** The earliest and latest `until` accepted (4-digit years, representable everywhere). */
export const MIN_UNTIL = new Date('0001-01-01T00:00:00.000Z');
export const MAX_UNTIL = new Date('9999-12-31T23:59:59.999Z');

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** A strict RFC 3339 date-time (as Go's `time.RFC3339` parses it) within the supported range. */
export function parseDate(text: string): Date | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (match[8] !== undefined && (Number(match[9]) > 23 || Number(match[10]) > 59)) return undefined;
  const date = new Date(text);
  if (!Number.isFinite(date.getTime())) return undefined;
  if (date.getTime() < MIN_UNTIL.getTime() || date.getTime() > MAX_UNTIL.getTime()) return undefined;
  return date;
}

/** A Go duration within ±{@link MAX_DELAY_MS}, in milliseconds. */
export function parseDelayDuration(text: string): number | undefined {
  const ms = parseGoDuration(text);
  if (ms === undefined || !Number.isFinite(ms) || Math.abs(ms) > MAX_DELAY_MS) return undefined;
  return ms;
}

function fieldProblem(spec: Record<string, unknown>, literalOnly: boolean): string | undefined {
  for (const field of ['duration', 'until'] as const) {
    const value = spec[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return `delay: '${field}' must be a string`;
    if (literalOnly && isTemplated(value)) continue;
    if (value === '') continue;
    if (field === 'duration') {
      if (parseGoDuration(value) === undefined) return `delay: invalid duration '${value}' (Go syntax, e.g. 1m30s)`;
      if (parseDelayDuration(value) === undefined) {
        return `delay: duration '${value}' out of range (at most 876000h, 100 years)`;
      }
    }
    if (field === 'until' && !parseDate(value)) {
      return `delay: invalid date '${value}' (RFC 3339 expected, years 0001 to 9999)`;
    }
  }
  return undefined;
}

type DelayInput = { duration?: string; until?: string };

function isRepresentable(date: Date): boolean {
  const time = date.getTime();
  return Number.isFinite(time) && time >= MIN_UNTIL.getTime() && time <= MAX_UNTIL.getTime();
}

export const delayStage: StageDefinition<DelayInput> = {
  kind: 'delay',
  checkStructure: (spec) => fieldProblem(spec, true),
  resolve(spec) {
    const problem = fieldProblem(spec, false);
    if (problem) return { ok: false, error: problem };
    const duration = typeof spec.duration === 'string' && spec.duration !== '' ? spec.duration : undefined;
    const until = typeof spec.until === 'string' && spec.until !== '' ? spec.until : undefined;
    if ((duration === undefined) === (until === undefined)) {
      return { ok: false, error: 'delay: exactly one of duration or until is required' };
    }
    if (duration !== undefined) return { ok: true, input: { duration: formatGoDuration(parseDelayDuration(duration)!) } };
    return { ok: true, input: { until: parseDate(until!)!.toISOString() } };
  },
  start(input, { now }) {
    const ms = input.duration !== undefined ? parseDelayDuration(input.duration) : undefined;
    if (input.duration !== undefined && ms === undefined) return { type: 'failed', error: `delay: invalid duration '${input.duration}'` };
    const due = ms !== undefined ? new Date(now.getTime() + ms) : new Date(input.until!);
    if (!isRepresentable(due)) return { type: 'failed', error: 'delay: the due date is out of range' };
    if (due.getTime() < now.getTime()) {
      return input.duration !== undefined ? { type: 'failed', error: 'negative duration provided' } : { type: 'done' };
    }
    if (due.getTime() === now.getTime()) return { type: 'done' };
    return { type: 'sleep', until: due };
  },
};
