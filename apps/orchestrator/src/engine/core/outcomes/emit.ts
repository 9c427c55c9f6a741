import { completeStage } from '../lifecycle';
import { StageOutcome } from '../stage-kind';
import { Transition } from '../transition';

/**
 * `emit` (the `publish` stage): the event goes to the outbox in this transition (envelope `app:
 * orchestration`, `version: v1`, `chain_depth` one deeper than the instance), then the stage
 * succeeds and the next one runs inline.
 */
export function emit(t: Transition, stage: number, outcome: Extract<StageOutcome, { type: 'emit' }>) {
  t.publishDomainEvent(outcome.event.type, outcome.event.payload);
  return completeStage(t, stage);
}
