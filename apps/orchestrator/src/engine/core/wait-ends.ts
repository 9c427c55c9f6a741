import { completeStage, failStage, finish, Step, TIMEOUT } from './lifecycle';
import { Transition } from './transition';
import { collectedFor } from './collect';
import { StageOutcome } from './stage-kind';

/**
 * How waits end. A `wait_event` at its deadline: `fail` (error "timeout") or `continue`. A
 * `wait_for_event` on its event: `continue` completes the stage (the payload is its output, saved
 * under `save_as`) and goes on; `succeed` completes it and ends the instance successfully; at its
 * deadline: `fail`, `continue` or `succeed`.
 */

export function applyWaitTimeout(t: Transition, stage: number, onTimeout: 'fail' | 'continue'): Step | undefined {
  return onTimeout === 'fail' ? failStage(t, stage, TIMEOUT) : completeStage(t, stage);
}

export function applyBusEvent(t: Transition, stage: number, onEvent: 'continue' | 'succeed', payload: Record<string, unknown>): Step | undefined {
  const next = completeStage(t, stage, payload);
  if (onEvent === 'succeed' && !t.terminated) {
    finish(t, undefined);
    return undefined;
  }
  return next;
}

export function applyBusTimeout(t: Transition, stage: number, onTimeout: 'fail' | 'continue' | 'succeed'): Step | undefined {
  if (onTimeout === 'fail') return failStage(t, stage, TIMEOUT);
  const next = completeStage(t, stage);
  if (onTimeout === 'succeed' && !t.terminated) {
    finish(t, undefined);
    return undefined;
  }
  return next;
}

/**
 * A `wait_for_events` deadline: the partial output (what was collected, what is missing) is the
 * stage's output — `continue` saves it (under `save_as`) and goes on, `fail` fails the stage with
 * "timeout" and keeps it in the stage's history.
 */
export function applyCollectTimeout(
  t: Transition,
  stage: number,
  outcome: Pick<Extract<StageOutcome, { type: 'collect' }>, 'need' | 'matchers'>,
  onTimeout: 'continue' | 'fail',
): Step | undefined {
  const { output } = collectedFor(t, stage, outcome);
  t.collectDone.push(stage);
  if (onTimeout === 'continue') return completeStage(t, stage, output);
  failStage(t, stage, TIMEOUT);
  const run = t.runs.get(stage);
  if (run) run.output = output;
  return undefined;
}
