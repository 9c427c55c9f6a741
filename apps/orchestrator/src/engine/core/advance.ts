import { historyName, StageOutcome } from './stage-kind';
import { checkedStage } from './stage-resolution';
import { Transition } from './transition';
import { completeStage, failStage, finish, Step } from './lifecycle';
import { dispatchOutcome } from './outcomes';

/**
 * Runs an instance inline until its first real wait (a future timer, a wait without a buffered
 * event) or its end, recording every change in `t`. Pure: no I/O, time is `t.now`.
 */
export function advance(t: Transition, first: Step): void {
  let next: Step | undefined = first;
  for (let steps = 0; next && !t.terminated; steps++) {
    if (steps > 100_000) throw new Error('advance: no progress after 100000 steps');
    next = next.action === 'start' ? startStage(t, next.stage) : completeStage(t, next.stage, next.output);
  }
}

/** Starts stage `stage`: resolves it (after `${var}` interpolation) and dispatches its outcome. */
export function startStage(t: Transition, stage: number): Step | undefined {
  const { instance } = t;
  if (stage >= instance.stages.length) {
    finish(t, undefined);
    return undefined;
  }
  const checked = checkedStage(t.registry, instance.stages[stage], instance.variables);
  t.startRun({ stage, kind: checked.kind, historyName: historyName(checked.kind), input: checked.ok ? checked.input : null });
  t.emitStage('STARTED_WORKFLOW_STAGE', stage);
  if (!checked.ok) return failStage(t, stage, checked.error);
  let outcome: StageOutcome;
  try {
    outcome = checked.definition.start(checked.input, { now: t.now, instanceId: instance.id, stage, variables: instance.variables });
  } catch (error) {
    outcome = { type: 'failed', error: `${checked.kind}: ${(error as Error).message}` };
  }
  return dispatchOutcome(t, stage, outcome);
}
