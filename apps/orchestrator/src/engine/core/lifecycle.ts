import { CANCELED, TERMINAL_STAGE_RUN } from './statuses';
import { Transition } from './transition';

/**
 * The lifecycle primitives every outcome, timer action and command is made of. They only change
 * the transition (pure: no I/O, time is `t.now`); the loop that chains them is `advance.ts`.
 */

export { CANCELED };

/** The error of a wait whose deadline passed with `on_timeout: fail`. */
export const TIMEOUT = 'timeout';

/** What to do next with an instance: start stage `stage`, or complete it (with its output). */
export type Step =
  | { action: 'start'; stage: number }
  | { action: 'complete'; stage: number; output?: Record<string, unknown> };

/** Ends a stage successfully (saving its output under `save_as`) and says what runs next. */
export function completeStage(t: Transition, stage: number, output?: Record<string, unknown>): Step | undefined {
  const run = t.setRunStatus(stage, 'succeeded');
  if (output) {
    run.output = output;
    saveOutput(t, stage, output);
  }
  t.emitStage('SUCCEEDED_WORKFLOW_STAGE', stage);
  t.clearTimer();
  if (stage + 1 >= t.instance.stages.length) {
    finish(t, undefined);
    return undefined;
  }
  return { action: 'start', stage: stage + 1 };
}

/** Ends a stage with `error`; the first failing stage ends the instance with the same error. */
export function failStage(t: Transition, stage: number, error: string): undefined {
  t.setRunStatus(stage, 'failed', error);
  t.emitStage('FAILED_WORKFLOW_STAGE', stage, { error, cause: 'failed' });
  finish(t, error);
  return undefined;
}

/** Cancels an open stage run (an abort, or a cancel_on event `canceledBy`): error "canceled". */
export function cancelStage(t: Transition, stage: number, canceledBy?: string): void {
  t.setRunStatus(stage, 'canceled', CANCELED);
  t.emitStage('FAILED_WORKFLOW_STAGE', stage, canceledBy === undefined ? { error: CANCELED, cause: 'canceled' } : { error: CANCELED, cause: 'canceled_by_event', canceledBy });
}

/**
 * Cancels the instance: every stage run still open (in this transition's view) and the instance
 * end "canceled" — an abort, or `canceledBy` a cancel_on event.
 */
export function cancelInstance(t: Transition, canceledBy?: string): void {
  for (const stage of [...t.instance.openRuns.keys()].sort((a, b) => a - b)) {
    const status = t.runStatus(stage);
    if (status !== 'new' && !TERMINAL_STAGE_RUN.has(status)) cancelStage(t, stage, canceledBy);
  }
  finish(t, CANCELED, canceledBy);
}

/**
 * Terminates the instance: no timer, no wait, no buffered events, no cancel matcher left behind.
 * `canceledBy`: the bus event that canceled it (cancel_on).
 */
export function finish(t: Transition, error: string | undefined, canceledBy?: string): void {
  t.setStatus(error === undefined ? 'succeeded' : error === CANCELED ? 'canceled' : 'failed');
  t.error = error ?? null;
  if (canceledBy !== undefined) t.canceledBy = canceledBy;
  t.terminatedAt = t.now;
  t.clearTimer();
  t.clearWaits();
  t.dropBuffered();
  if (error === undefined) t.emitInstance('SUCCEEDED_WORKFLOW');
  else if (canceledBy !== undefined) t.emitInstance('FAILED_WORKFLOW', { error, cause: 'canceled_by_event', canceledBy });
  else t.emitInstance('FAILED_WORKFLOW', { error, cause: error === CANCELED ? 'canceled' : 'failed' });
}

/**
 * `save_as: name` on a stage: its output's scalar leaves become variables `name.field`,
 * `name.field.sub` (strings) for later stages' `${…}` placeholders. Objects nest up to four
 * levels; arrays, null and undefined are skipped.
 */
export function saveOutput(t: Transition, stage: number, output: Record<string, unknown>): void {
  const raw = t.instance.stages[stage];
  const spec = raw && typeof raw === 'object' ? Object.values(raw as Record<string, unknown>)[0] : undefined;
  const saveAs = spec && typeof spec === 'object' ? (spec as Record<string, unknown>).save_as : undefined;
  if (typeof saveAs !== 'string' || saveAs === '') return;
  const variables = { ...t.instance.variables };
  const flatten = (prefix: string, value: unknown, depth: number): void => {
    if (value === null || value === undefined) return;
    if (typeof value === 'object') {
      if (depth >= 4 || Array.isArray(value)) return;
      for (const [key, item] of Object.entries(value)) flatten(`${prefix}.${key}`, item, depth + 1);
      return;
    }
    variables[prefix] = String(value);
  };
  flatten(saveAs, output, 0);
  t.instance.variables = variables;
  t.variablesChanged = true;
}
