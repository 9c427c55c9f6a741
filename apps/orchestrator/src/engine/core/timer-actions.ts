import { advance } from './advance';
import { failStage, finish, Step } from './lifecycle';
import { Transition } from './transition';
import { applyBusTimeout, applyCollectTimeout, applyWaitTimeout } from './wait-ends';
import { collectStage } from './collect';

/**
 * What the instance's due timer does to it (one dispatch over `timers.action`): `start` starts
 * the stage, `resume` completes a sleeping stage, `timeout` applies a wait's `on_timeout`; each
 * then runs inline until the next real wait. `act` timers are run by the act system only.
 */
export function runDueTimer(t: Transition): void {
  const timer = t.instance.timer;
  if (!timer) return;
  t.clearTimer(); // consumed; an outcome may set the next one
  switch (timer.action) {
    case 'start':
      return advance(t, { action: 'start', stage: timer.stage });
    case 'resume':
      return advance(t, { action: 'complete', stage: timer.stage });
    case 'timeout': {
      const next = timedOut(t, timer.stage);
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
function timedOut(t: Transition, stage: number): Step | undefined {
  const { busWait, wait } = t.instance;
  if (busWait && busWait.stage === stage) {
    t.clearWaits();
    return applyBusTimeout(t, stage, busWait.onTimeout);
  }
  if (wait && wait.stage === stage) {
    t.clearWaits();
    return applyWaitTimeout(t, stage, wait.onTimeout ?? 'fail');
  }
  const collecting = t.runStatus(stage) === 'waiting' ? collectStage(t, stage) : undefined;
  if (collecting) return applyCollectTimeout(t, stage, collecting.outcome, collecting.outcome.onTimeout);
  return undefined;
}

/** Fails the instance at its due timer (a transition that kept throwing): its open stage, then it. */
export function failAtTimer(t: Transition, error: string): void {
  const timer = t.instance.timer;
  t.clearTimer();
  const open = [...t.instance.openRuns.keys()];
  if (timer && timer.action !== 'start' && t.runStatus(timer.stage) !== 'new') failStage(t, timer.stage, error);
  else if (open.length > 0) failStage(t, open[0], error);
  else finish(t, error);
}
