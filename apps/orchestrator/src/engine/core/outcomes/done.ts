import { completeStage } from '../lifecycle';
import { StageOutcome } from '../stage-kind';
import { Transition } from '../transition';

/** `done`: the stage succeeded now (its `output` saved under `save_as`); the next stage runs inline. */
export function done(t: Transition, stage: number, outcome: Extract<StageOutcome, { type: 'done' }>) {
  return completeStage(t, stage, outcome.output);
}
