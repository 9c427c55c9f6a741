import { StageOutcome } from '../stage-kind';
import { Transition } from '../transition';
import { notSupported } from './not-supported';

/** `wait_bus` — TODO(issue 15): wait for a domain event on the bus matching `condition`, with deadline. */
export function waitBus(t: Transition, stage: number, _outcome: Extract<StageOutcome, { type: 'wait_bus' }>) {
  return notSupported(t, stage);
}
