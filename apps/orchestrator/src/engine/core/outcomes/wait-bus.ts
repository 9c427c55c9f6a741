import { StageOutcome } from '../stage-kind';
import { Transition } from '../transition';
import { applyBusTimeout } from '../wait-ends';

/**
 * `wait_bus` (`wait_for_event`): a `bus_waits` row (indexed by event type; written after the
 * batch under the type's lock, stamped with the database clock: only events published after it
 * count) and, with a deadline, a `timeout` timer. The bus-wait consumer completes it
 * (systems/bus-waits.system.ts), or the timer applies `on_timeout` (timer-actions.ts).
 */
export function waitBus(t: Transition, stage: number, outcome: Extract<StageOutcome, { type: 'wait_bus' }>) {
  if (outcome.deadline && outcome.deadline.getTime() <= t.now.getTime()) return applyBusTimeout(t, stage, outcome.onTimeout);
  t.setRunStatus(stage, 'waiting');
  t.parkOnBus({
    stage,
    eventType: outcome.eventType,
    condition: outcome.condition ?? null,
    onEvent: outcome.onEvent,
    onTimeout: outcome.onTimeout,
    saveAs: outcome.saveAs ?? null,
    deadline: outcome.deadline ?? null,
  });
  if (outcome.deadline) t.setTimer({ stage, action: 'timeout', dueAt: outcome.deadline, attempt: 0 });
  else t.clearTimer();
  return undefined;
}
