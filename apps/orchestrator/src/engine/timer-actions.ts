import { advance, failStage } from './advance';
import { NOT_SUPPORTED } from './outcomes/not-supported';
import { TimerAction } from './statuses';
import { Transition } from './transition';

/** A due timer as the claim loads it. */
export interface DueTimer {
  stage: number;
  action: TimerAction;
  attempt: number;
}

/**
 * What a due timer does to its instance (one dispatch over `timers.action`): `start` starts the
 * stage, `resume` completes a sleeping stage; both then run inline until the next real wait.
 */
export function runDueTimer(t: Transition, timer: DueTimer): void {
  t.timer = null; // consumed; an outcome may set the next one
  switch (timer.action) {
    case 'start':
      return advance(t, { action: 'start', stage: timer.stage });
    case 'resume':
      return advance(t, { action: 'complete', stage: timer.stage });
    case 'timeout': // TODO(issue 15): a wait's deadline passed — apply its on_timeout.
    case 'act': // TODO(issue 15): lease the attempt and call kind.act outside the transaction.
      failStage(t, timer.stage, NOT_SUPPORTED);
      return;
  }
}
