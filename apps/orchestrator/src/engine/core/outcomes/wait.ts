import { completeStage } from '../lifecycle';
import { StageOutcome } from '../stage-kind';
import { Transition } from '../transition';
import { applyWaitTimeout } from '../wait-ends';

/**
 * `wait` (`wait_event`): the oldest event of that name already sent to the instance (buffered)
 * is consumed and completes the stage inline. Otherwise, a deadline already passed applies
 * `on_timeout` inline; else the stage waits on a `waits` row that the waits system completes on
 * `sendEvent` — with a deadline, also a `timeout` timer (timer-actions.ts applies `on_timeout`).
 */
export function wait(t: Transition, stage: number, outcome: Extract<StageOutcome, { type: 'wait' }>) {
  if (t.consumeBuffered(outcome.event)) return completeStage(t, stage);
  const onTimeout = outcome.onTimeout ?? 'fail';
  if (outcome.deadline !== undefined && outcome.deadline.getTime() <= t.now.getTime()) return applyWaitTimeout(t, stage, onTimeout);
  t.setRunStatus(stage, 'waiting');
  if (outcome.deadline === undefined) {
    t.park({ stage, event: outcome.event });
    t.clearTimer();
  } else {
    t.park({ stage, event: outcome.event, deadline: outcome.deadline, onTimeout });
    t.setTimer({ stage, action: 'timeout', dueAt: outcome.deadline, attempt: 0 });
  }
  return undefined;
}
