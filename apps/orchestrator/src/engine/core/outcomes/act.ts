import { StageOutcome } from '../stage-kind';
import { Transition } from '../transition';

/**
 * `act`: the stage parks `acting` on an `act` timer due now (attempt 1). The act system
 * (systems/act.system.ts) leases it, calls the kind's actor outside any transaction, records the
 * attempt in `activity_log`, and hands the result to the core (`commands.ts` `actEnded`):
 * complete, retry later (the same timer, next attempt) or fail.
 */
export function act(t: Transition, stage: number, _outcome: Extract<StageOutcome, { type: 'act' }>) {
  t.setRunStatus(stage, 'acting');
  t.setTimer({ stage, action: 'act', dueAt: t.now, attempt: 1 });
  return undefined;
}
