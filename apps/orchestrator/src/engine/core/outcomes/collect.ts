import { collectedFor, collectWaitsFor } from '../collect';
import { completeStage, Step } from '../lifecycle';
import { StageOutcome } from '../stage-kind';
import { Transition } from '../transition';
import { applyCollectTimeout } from '../wait-ends';

/**
 * `collect` (`wait_for_events`): the events collected for the stage since the instance started
 * may complete it inline; a deadline already passed applies `on_timeout`; otherwise the stage
 * waits (its matchers keep collecting: the bus-wait consumer completes it once they are enough,
 * systems/bus-waits.system.ts) — with a deadline, on a `timeout` timer.
 */
export function collect(t: Transition, stage: number, outcome: Extract<StageOutcome, { type: 'collect' }>): Step | undefined {
  // Its matchers as resolved now (a redrive, `${var}`s set by earlier stages); recorded once per matcher.
  t.collectWaits = [...t.collectWaits.filter((w) => w.stage !== stage), ...collectWaitsFor(t, stage, outcome.events)];
  const collected = collectedFor(t, stage, outcome);
  if (collected.complete) {
    t.collectDone.push(stage);
    return completeStage(t, stage, collected.output);
  }
  if (outcome.deadline && outcome.deadline.getTime() <= t.now.getTime()) return applyCollectTimeout(t, stage, outcome, outcome.onTimeout);
  t.setRunStatus(stage, 'waiting');
  if (outcome.deadline) t.setTimer({ stage, action: 'timeout', dueAt: outcome.deadline, attempt: 0 });
  else t.clearTimer();
  return undefined;
}
