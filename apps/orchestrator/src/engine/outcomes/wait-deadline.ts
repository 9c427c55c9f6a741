import { StageOutcome } from '../stage-kind';
import { Transition } from '../transition';
import { notSupported } from './not-supported';

/**
 * `wait` with a deadline — TODO(issue 15): a `waits` row (with `deadline`, `on_timeout`) plus a
 * `timeout` timer at the deadline; the timer's action `timeout` (timer-actions.ts) applies
 * `onTimeout`, `sendEvent` deletes the timer with the wait.
 */
export function waitWithDeadline(t: Transition, stage: number, _outcome: Extract<StageOutcome, { type: 'wait' }>) {
  return notSupported(t, stage);
}
