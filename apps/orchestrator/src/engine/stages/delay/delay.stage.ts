import { isTemplated, StageKind } from '../../stage-kind';
import { formatGoDuration, parseGoDuration } from './go-duration';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function parseDate(text: string): Date | undefined {
  if (!RFC3339.test(text)) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function fieldProblem(spec: Record<string, unknown>, literalOnly: boolean): string | undefined {
  for (const field of ['duration', 'until'] as const) {
    const value = spec[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return `delay: '${field}' must be a string`;
    if (literalOnly && isTemplated(value)) continue;
    if (value === '') continue;
    if (field === 'duration' && parseGoDuration(value) === undefined) {
      return `delay: invalid duration '${value}' (Go syntax, e.g. 1m30s)`;
    }
    if (field === 'until' && !parseDate(value)) return `delay: invalid date '${value}' (RFC 3339 expected)`;
  }
  return undefined;
}

type DelayInput = { duration?: string; until?: string };

/** `delay`: exactly one of `duration` (Go syntax) or `until` (RFC 3339); a durable timer. */
export const delayStage: StageKind<DelayInput> = {
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
    if (duration !== undefined) return { ok: true, input: { duration: formatGoDuration(parseGoDuration(duration)!) } };
    return { ok: true, input: { until: parseDate(until!)!.toISOString() } };
  },
  start(input, { now }) {
    const due = input.duration !== undefined
      ? new Date(now.getTime() + parseGoDuration(input.duration)!)
      : new Date(input.until!);
    if (due.getTime() < now.getTime()) {
      return input.duration !== undefined ? { type: 'failed', error: 'negative duration provided' } : { type: 'done' };
    }
    if (due.getTime() === now.getTime()) return { type: 'done' };
    return { type: 'sleep', until: due };
  },
};
