import { StageOutcome } from '../stage-kind';
import { Transition } from '../transition';
import { notSupported } from './not-supported';

/** `emit` — TODO(issue 15): add the event to `t.events` (envelope app `orchestration`, version `v1`), then complete the stage. */
export function emit(t: Transition, stage: number, _outcome: Extract<StageOutcome, { type: 'emit' }>) {
  return notSupported(t, stage);
}
