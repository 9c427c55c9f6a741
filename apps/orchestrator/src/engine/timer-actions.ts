import { advance, completeStage, failStage, Step } from './advance';
import { applyBusTimeout } from './outcomes/bus-wait-end';
import { TIMEOUT } from './outcomes/wait-deadline';
import { TimerAction } from './statuses';
import { Transition } from './transition';

/** A due timer as the claim loads it (with the instance's waits, read under the instance's lock). */
export interface DueTimer {
  stage: number;
  action: TimerAction;
  attempt: number;
  wait?: { stage: number; on_timeout: 'fail' | 'continue' | null } | null;
  bus_wait?: { stage: number; on_timeout: 'fail' | 'continue' | 'succeed' } | null;
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
    case 'timeout': {
      const next = timedOut(t, timer);
      return next ? advance(t, next) : undefined;
    }
    case 'act':
      // Acting attempts run in the act system (outside any transaction), never in a claim.
      throw new Error('act timers are run by the act system');
  }
}

/**
 * A wait's deadline passed: its `on_timeout` applies (the wait row goes; the event can no longer
 * complete it). A wait already completed (by its event) left no row: nothing to do.
 */
function timedOut(t: Transition, timer: DueTimer): Step | undefined {
  if (timer.bus_wait && timer.bus_wait.stage === timer.stage) {
    t.deleteWait = true;
    return applyBusTimeout(t, timer.stage, timer.bus_wait.on_timeout);
  }
  if (timer.wait && timer.wait.stage === timer.stage) {
    t.deleteWait = true;
    return (timer.wait.on_timeout ?? 'fail') === 'fail' ? failStage(t, timer.stage, TIMEOUT) : completeStage(t, timer.stage);
  }
  return undefined;
}
