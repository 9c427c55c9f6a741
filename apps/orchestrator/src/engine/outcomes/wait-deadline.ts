import { completeStage, failStage } from '../advance';
import { StageOutcome } from '../stage-kind';
import { Transition } from '../transition';

/** The error of a wait whose deadline passed with `on_timeout: fail`. */
export const TIMEOUT = 'timeout';

/**
 * `wait` with a deadline (`wait_event` with `timeout`): a buffered event completes it inline;
 * otherwise a `waits` row (with its deadline and `on_timeout`) and a `timeout` timer at the
 * deadline. `sendEvent` completes the stage first (and so deletes the timer); the timer first
 * applies `on_timeout` (timer-actions.ts) and deletes the wait.
 */
export function waitWithDeadline(t: Transition, stage: number, outcome: Extract<StageOutcome, { type: 'wait' }>) {
  const index = t.instance.buffered.findIndex((event) => event.name === outcome.event);
  if (index >= 0) {
    const [event] = t.instance.buffered.splice(index, 1);
    t.consumedBuffered.push(event.id);
    return completeStage(t, stage);
  }
  const onTimeout = outcome.onTimeout ?? 'fail';
  if (outcome.deadline!.getTime() <= t.now.getTime()) {
    return onTimeout === 'fail' ? failStage(t, stage, TIMEOUT) : completeStage(t, stage);
  }
  t.existingRun(stage, 'waiting').status = 'waiting';
  t.wait = { stage, event: outcome.event, deadline: outcome.deadline, onTimeout };
  t.timer = { stage, action: 'timeout', dueAt: outcome.deadline!, attempt: 0 };
  return undefined;
}
