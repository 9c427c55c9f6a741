import { fail, Reply, ScheduleBody, scheduleBodySchema } from '@wfp/contracts';
import { formatIssues } from '@wfp/platform';
import { parseDuration } from './core/duration';
import { CompiledSpec, compileSpec, isSpecProblem } from './core/fire-times';

/** The catch-up window cannot be shorter than this (as Temporal). */
export const MIN_CATCHUP_WINDOW_MS = 10_000;

/** What the schedule row keeps in `definition` (the rest has columns of its own). */
export type StoredDefinition = Pick<ScheduleBody, 'spec' | 'action' | 'overlap' | 'catchup_window' | 'pause_on_failure'>;

export interface ValidSchedule {
  body: ScheduleBody;
  definition: StoredDefinition;
  compiled: CompiledSpec;
  catchupWindowMs: number;
}

/**
 * Checks a create/update body: its shape (zod), then what needs parsing (cron, interval, time
 * zone, durations). Every error is a VALIDATION reply naming the field (`spec.cron: …`).
 */
export function validateScheduleBody(data: unknown): { ok: true; value: ValidSchedule } | { ok: false; reply: Reply<never> } {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { ok: false, reply: fail('VALIDATION', 'body: a JSON object is required') };
  const parsed = scheduleBodySchema.safeParse(data);
  if (!parsed.success) return { ok: false, reply: fail('VALIDATION', formatIssues(parsed.error)) };
  const body = parsed.data;
  const compiled = compileSpec(body.spec);
  if (isSpecProblem(compiled)) return { ok: false, reply: fail('VALIDATION', `${compiled.field}: ${compiled.message}`) };
  const catchupWindowMs = parseDuration(body.catchup_window);
  if (catchupWindowMs === undefined || catchupWindowMs < MIN_CATCHUP_WINDOW_MS) {
    return { ok: false, reply: fail('VALIDATION', `catchup_window: invalid duration '${body.catchup_window}' (at least 10s, e.g. 5m, 1h, 1y)`) };
  }
  const { spec, action, overlap, catchup_window, pause_on_failure } = body;
  return { ok: true, value: { body, definition: { spec, action, overlap, catchup_window, pause_on_failure }, compiled, catchupWindowMs } };
}

/** The compiled spec and window of a stored definition (valid: it was checked when stored). */
export function compileStored(definition: StoredDefinition): { compiled: CompiledSpec; catchupWindowMs: number } {
  const compiled = compileSpec(definition.spec);
  if (isSpecProblem(compiled)) throw new Error(`stored schedule spec is invalid: ${compiled.field}: ${compiled.message}`);
  return { compiled, catchupWindowMs: parseDuration(definition.catchup_window) ?? MIN_CATCHUP_WINDOW_MS };
}
