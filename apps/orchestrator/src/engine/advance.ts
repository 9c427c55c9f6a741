import { checkedStage } from './config-check';
import { historyName, StageOutcome } from './stage-kind';
import { CANCELED } from './statuses';
import { Transition } from './transition';
import { dispatchOutcome } from './outcomes';

/** What to do next with an instance: start stage `stage`, or complete it (with its output). */
export type Step =
  | { action: 'start'; stage: number }
  | { action: 'complete'; stage: number; output?: Record<string, unknown> };

/**
 * Runs an instance inline until its first real wait (a future timer, a wait without a buffered
 * event) or its end, recording every change in `t`. Pure: no I/O, time is `t.now`.
 */
export function advance(t: Transition, first: Step): void {
  let next: Step | undefined = first;
  for (let steps = 0; next && !t.terminated; steps++) {
    if (steps > 100_000) throw new Error('advance: no progress after 100000 steps');
    next = next.action === 'start' ? startStage(t, next.stage) : completeStage(t, next.stage, next.output);
  }
}

/** Starts stage `stage`: resolves it (after `${var}` interpolation) and dispatches its outcome. */
export function startStage(t: Transition, stage: number): Step | undefined {
  const { instance } = t;
  if (stage >= instance.stages.length) {
    finish(t, undefined);
    return undefined;
  }
  const checked = checkedStage(instance.stages[stage], instance.variables);
  t.runs.set(stage, {
    stage,
    isNew: true,
    kind: checked.kind,
    historyName: historyName(checked.kind),
    input: checked.ok ? checked.input : null,
    status: 'running',
    startedAt: t.now,
    terminatedAt: null,
    error: null,
    output: null,
  });
  t.emit('STARTED_WORKFLOW_STAGE', { id: instance.workflowId, instanceID: instance.id, number: stage });
  if (!checked.ok) return failStage(t, stage, checked.error);
  let outcome: StageOutcome;
  try {
    outcome = checked.stageKind.start(checked.input, { now: t.now, instanceId: instance.id, stage, variables: instance.variables });
  } catch (error) {
    outcome = { type: 'failed', error: `${checked.kind}: ${(error as Error).message}` };
  }
  return dispatchOutcome(t, stage, outcome);
}

/** Ends a stage successfully (saving its output under `save_as`) and moves to the next one. */
export function completeStage(t: Transition, stage: number, output?: Record<string, unknown>): Step | undefined {
  const run = t.existingRun(stage, 'succeeded');
  run.status = 'succeeded';
  run.terminatedAt = t.now;
  if (output) {
    run.output = output;
    saveOutput(t, stage, output);
  }
  t.emit('SUCCEEDED_WORKFLOW_STAGE', { id: t.instance.workflowId, instanceID: t.instance.id, number: stage });
  t.timer = t.isNew ? undefined : null;
  if (stage + 1 >= t.instance.stages.length) {
    finish(t, undefined);
    return undefined;
  }
  return { action: 'start', stage: stage + 1 };
}

/** Ends a stage with `error`; the first failing stage ends the instance with the same error. */
export function failStage(t: Transition, stage: number, error: string): undefined {
  const run = t.existingRun(stage, 'failed');
  run.status = error === CANCELED ? 'canceled' : 'failed';
  run.terminatedAt = t.now;
  run.error = error;
  t.emit('FAILED_WORKFLOW_STAGE', { id: t.instance.workflowId, instanceID: t.instance.id, number: stage, error });
  finish(t, error);
  return undefined;
}

/** Terminates the instance: no timer, no wait, no buffered events left behind. */
export function finish(t: Transition, error: string | undefined): void {
  t.status = error === undefined ? 'succeeded' : error === CANCELED ? 'canceled' : 'failed';
  t.error = error ?? null;
  t.terminatedAt = t.now;
  t.timer = t.isNew ? undefined : null;
  t.wait = undefined;
  t.busWait = undefined;
  if (!t.isNew) t.deleteWait = true;
  t.dropBuffered = true;
  if (error === undefined) t.emit('SUCCEEDED_WORKFLOW', { id: t.instance.workflowId, instanceID: t.instance.id });
  else t.emit('FAILED_WORKFLOW', { id: t.instance.workflowId, instanceID: t.instance.id, error });
}

/**
 * `save_as: name` on a stage: its output's scalar leaves become variables `name.field`,
 * `name.field.sub` (strings) for later stages' `${…}` placeholders.
 */
function saveOutput(t: Transition, stage: number, output: Record<string, unknown>): void {
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
