import { completeStage } from '../advance';
import { StageOutcome } from '../stage-kind';
import { Transition } from '../transition';
import { waitWithDeadline } from './wait-deadline';

/**
 * `wait` (no deadline): an event of that name already sent to the instance (buffered) is
 * consumed and completes the stage inline; otherwise the stage waits on a `waits` row that the
 * waits system completes on `sendEvent`.
 */
export function wait(t: Transition, stage: number, outcome: Extract<StageOutcome, { type: 'wait' }>) {
  if (outcome.deadline !== undefined) return waitWithDeadline(t, stage, outcome);
  const index = t.instance.buffered.findIndex((event) => event.name === outcome.event);
  if (index >= 0) {
    const [event] = t.instance.buffered.splice(index, 1);
    t.consumedBuffered.push(event.id);
    return completeStage(t, stage);
  }
  t.existingRun(stage, 'waiting').status = 'waiting';
  t.timer = t.isNew ? undefined : null;
  t.wait = { stage, event: outcome.event };
  return undefined;
}
