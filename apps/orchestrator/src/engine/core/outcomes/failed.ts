import { failStage } from '../lifecycle';
import { StageOutcome } from '../stage-kind';
import { Transition } from '../transition';

/** `failed`: the stage and the instance end with the error. */
export function failed(t: Transition, stage: number, outcome: Extract<StageOutcome, { type: 'failed' }>) {
  return failStage(t, stage, outcome.error);
}
