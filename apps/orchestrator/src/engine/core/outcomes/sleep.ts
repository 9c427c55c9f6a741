import { completeStage } from '../lifecycle';
import { StageOutcome } from '../stage-kind';
import { Transition } from '../transition';

/**
 * `sleep`: a due time already reached completes the stage inline; otherwise the stage sleeps on a
 * durable `resume` timer (the claim-and-advance system completes it when due).
 */
export function sleep(t: Transition, stage: number, outcome: Extract<StageOutcome, { type: 'sleep' }>) {
  if (outcome.until.getTime() <= t.now.getTime()) return completeStage(t, stage);
  t.setRunStatus(stage, 'sleeping');
  t.setTimer({ stage, action: 'resume', dueAt: outcome.until, attempt: 0 });
  return undefined;
}
