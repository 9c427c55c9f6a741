import { StageOutcome } from '../stage-kind';
import { Transition } from '../transition';

/**
 * `act`: the stage parks `acting` on an `act` timer due now (attempt 1). The act system
 * (systems/act.system.ts) leases it, calls `kind.act` outside any transaction, records the attempt
 * in `activity_log`, and completes the stage, schedules the retry (the same timer, later, next
 * attempt) or fails it. The retry policy is re-read from the stage's resolved input.
 */
export function act(t: Transition, stage: number, _outcome: Extract<StageOutcome, { type: 'act' }>) {
  t.existingRun(stage, 'acting').status = 'acting';
  t.timer = { stage, action: 'act', dueAt: t.now, attempt: 1 };
  return undefined;
}
