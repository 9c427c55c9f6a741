import { failStage } from '../advance';
import { Transition } from '../transition';

/** The error of a stage whose outcome the engine cannot run yet. */
export const NOT_SUPPORTED = 'stage kind not supported yet';

export function notSupported(t: Transition, stage: number): undefined {
  return failStage(t, stage, NOT_SUPPORTED);
}
