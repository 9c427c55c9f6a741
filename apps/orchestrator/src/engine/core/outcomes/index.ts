import { StageOutcome } from '../stage-kind';
import { Transition } from '../transition';
import { failStage, Step } from '../lifecycle';
import { done } from './done';
import { failed } from './failed';
import { sleep } from './sleep';
import { wait } from './wait';
import { act } from './act';
import { emit } from './emit';
import { waitBus } from './wait-bus';
import { collect } from './collect';

/**
 * What the engine does with a stage's outcome, inside the transition: returns the next step to
 * run inline, or undefined when the instance now waits (a timer, a wait row) or has ended.
 */
export type OutcomeHandler<O extends StageOutcome> = (t: Transition, stage: number, outcome: O) => Step | undefined;

/** One handler per outcome type — one file each; the mapped type makes the dispatch exhaustive. */
const HANDLERS: { [K in StageOutcome['type']]: OutcomeHandler<Extract<StageOutcome, { type: K }>> } = {
  done,
  failed,
  sleep,
  wait,
  wait_bus: waitBus,
  emit,
  act,
  collect,
};

/** The ONE dispatch over `StageOutcome`. */
export function dispatchOutcome(t: Transition, stage: number, outcome: StageOutcome): Step | undefined {
  const handler = HANDLERS[outcome.type] as OutcomeHandler<StageOutcome> | undefined;
  if (!handler) return failStage(t, stage, `unknown stage outcome '${(outcome as { type: string }).type}'`);
  return handler(t, stage, outcome);
}
