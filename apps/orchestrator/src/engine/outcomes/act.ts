import { StageOutcome } from '../stage-kind';
import { Transition } from '../transition';
import { notSupported } from './not-supported';

/**
 * `act` — TODO(issue 15): mark the run `acting`, set an `act` timer due now (attempt 1); the
 * worker leases it, calls `kind.act` outside any transaction, records the attempt in
 * `activity_log`, and completes, retries (timer at now + backoff) or fails the stage.
 */
export function act(t: Transition, stage: number, _outcome: Extract<StageOutcome, { type: 'act' }>) {
  return notSupported(t, stage);
}
