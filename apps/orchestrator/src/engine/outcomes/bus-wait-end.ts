import { completeStage, failStage, finish, Step } from '../advance';
import { Transition } from '../transition';
import { TIMEOUT } from './wait-deadline';

/**
 * How a `wait_for_event` stage ends. On its event: `continue` completes the stage (the payload is
 * its output, saved under `save_as`) and goes on; `succeed` completes it and ends the instance
 * successfully. At its deadline: `fail` (error "timeout"), `continue`, or `succeed`.
 */
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
