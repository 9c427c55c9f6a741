import { advance } from './advance';
import { ActResult, retryDelayMs, RetryPolicy } from './stage-kind';
import { StageRegistry } from './stage-resolution';
import { cancelInstance, completeStage, failStage, finish } from './lifecycle';
import { failAtTimer, runDueTimer } from './timer-actions';
import { InstanceSnapshot, Transition } from './transition';
import { applyBusEvent } from './wait-ends';
import { callInFlight } from './cancel-on';
import { collectedFor, collectStage, collectWaitsOf } from './collect';
import { CANCELED } from './statuses';

/**
 * The engine's commands, pure: each takes an instance as the one loader read it (or, for a start,
 * a new one) and answers the transition to commit — or why it does not apply. Every system is
 * "lock → load → command → commit"; the model test drives these same functions.
 */

/** The due time of a queued start (a paused workflow's): never, until a resume makes it due. */
export const PAUSED_UNTIL = new Date('9999-12-31T00:00:00.000Z');

/**
 * A start while the workflow is paused in `queue` mode: the instance exists (running, no stage
 * reached) and its first stage waits on a `start` timer that never comes due until a resume.
 */
export function queueInstance(instance: InstanceSnapshot, now: Date, registry: StageRegistry): Transition {
  const t = new Transition(instance, now, registry);
  t.queued = true;
  t.collectWaits = collectWaitsOf(t);
  t.emitInstance('STARTED_WORKFLOW');
  t.setTimer({ stage: 0, action: 'start', dueAt: PAUSED_UNTIL, attempt: 0 });
  return t;
}

/**
 * Starts a new instance (`instance.status === 'new'`) and runs it inline until its first real wait.
 * `canceledBy`: a cancel_on event found by a matcher's lookback — the instance starts canceled.
 */
export function startInstance(instance: InstanceSnapshot, now: Date, registry: StageRegistry, canceledBy?: string): Transition {
  const t = new Transition(instance, now, registry);
  t.emitInstance('STARTED_WORKFLOW');
  if (canceledBy !== undefined) {
    finish(t, CANCELED, canceledBy);
    return t;
  }
  try {
    // wait_for_events stages collect their events from the start on (also before they begin).
    t.collectWaits = collectWaitsOf(t);
    advance(t, { action: 'start', stage: 0 });
    return t;
  } catch (error) {
    // A bug in a stage kind must not lose the start: the instance fails with the reason.
    const failed = new Transition(instance, now, registry);
    failed.emitInstance('STARTED_WORKFLOW');
    finish(failed, `internal error: ${(error as Error).message}`);
    return failed;
  }
}

/**
 * `sendEvent`: completes the current `wait_event` when it waits for `name` (and runs on inline,
 * where a later `wait_event` consumes an event buffered earlier); otherwise buffers the event.
 */
export function sendEvent(instance: InstanceSnapshot, name: string, now: Date, registry: StageRegistry): Transition | 'terminated' {
  if (instance.status !== 'running') return 'terminated';
  const t = new Transition(instance, now, registry);
  const wait = instance.wait;
  if (wait && wait.event === name && t.runStatus(wait.stage) === 'waiting') {
    t.clearWaits();
    advance(t, { action: 'complete', stage: wait.stage });
  } else {
    t.bufferEvent(name);
  }
  return t;
}

/** The instance's due timer fires (`start`, `resume`, `timeout`). */
export function timerDue(instance: InstanceSnapshot, now: Date, registry: StageRegistry): Transition {
  const t = new Transition(instance, now, registry);
  runDueTimer(t);
  return t;
}

/** Fails the instance at its timer: a transition that kept throwing (error "internal error: …"). */
export function failInstance(instance: InstanceSnapshot, now: Date, registry: StageRegistry, error: string): Transition {
  const t = new Transition(instance, now, registry);
  failAtTimer(t, error);
  return t;
}

/**
 * A bus event matched the instance's `wait_for_event` at `stage` (the consumer claimed the wait):
 * `on_event` applies and the instance runs on inline. Undefined when it no longer applies.
 */
export function busEventMatched(
  instance: InstanceSnapshot,
  wait: { stage: number; onEvent: 'continue' | 'succeed' },
  payload: Record<string, unknown>,
  now: Date,
  registry: StageRegistry,
): Transition | undefined {
  if (instance.status !== 'running') return undefined;
  const t = new Transition(instance, now, registry);
  if (t.runStatus(wait.stage) !== 'waiting') return undefined;
  t.clearWaits();
  const next = applyBusEvent(t, wait.stage, wait.onEvent, payload);
  if (next) advance(t, next);
  return t;
}

/**
 * Bus events were collected for the `wait_for_events` stage at `stage` (the consumer recorded
 * them): when the stage is waiting and they are now enough, it completes and the instance runs
 * on inline. Undefined when nothing changes.
 */
export function eventsCollected(instance: InstanceSnapshot, stage: number, now: Date, registry: StageRegistry): Transition | undefined {
  if (instance.status !== 'running') return undefined;
  const t = new Transition(instance, now, registry);
  if (t.runStatus(stage) !== 'waiting') return undefined;
  const collecting = collectStage(t, stage);
  if (!collecting) return undefined;
  const collected = collectedFor(t, stage, collecting.outcome);
  if (!collected.complete) return undefined;
  t.clearTimer();
  t.collectDone.push(stage);
  advance(t, { action: 'complete', stage, output: collected.output });
  return t;
}

/**
 * An acting attempt of `stage` ended: success completes the stage (its output saved under
 * `save_as`) and runs on inline; a retryable failure with attempts left moves the `act` timer to
 * the back-off (next attempt); a fatal failure or the last attempt fails the stage.
 */
export function actEnded(
  instance: InstanceSnapshot,
  attempt: { stage: number; attempt: number; policy: RetryPolicy },
  result: ActResult,
  now: Date,
  registry: StageRegistry,
): { transition: Transition; retryAt?: Date } {
  const t = new Transition(instance, now, registry);
  const { stage } = attempt;
  if (instance.cancelRequestedBy) {
    // A cancel_on event matched during the call: its result is recorded, then the cancel applies.
    if (result.type === 'succeeded') completeStage(t, stage, result.output);
    if (!t.terminated) cancelInstance(t, instance.cancelRequestedBy); // the last stage's success ended it
    return { transition: t };
  }
  if (result.type === 'succeeded') {
    advance(t, { action: 'complete', stage, output: result.output });
    return { transition: t };
  }
  if (result.type === 'retryable') {
    const delay = retryDelayMs(attempt.policy, attempt.attempt);
    if (delay !== undefined) {
      const retryAt = new Date(now.getTime() + delay);
      t.setRunStatus(stage, 'acting');
      t.setTimer({ stage, action: 'act', dueAt: retryAt, attempt: attempt.attempt + 1 });
      return { transition: t, retryAt };
    }
  }
  failStage(t, stage, result.error);
  return { transition: t };
}

/**
 * A cancel_on matcher matched bus event `eventId` (the consumer claimed the instance's cancel
 * waits): the instance is canceled now — or, while an acting stage's call is in flight, once that
 * call ends (`actEnded`).
 */
export function cancelByEvent(instance: InstanceSnapshot, eventId: string, now: Date, registry: StageRegistry): Transition | 'terminated' {
  if (instance.status !== 'running') return 'terminated';
  const t = new Transition(instance, now, registry);
  if (callInFlight(t)) t.cancelRequestedBy = eventId;
  else cancelInstance(t, eventId);
  return t;
}

/** Abort: every open stage run and the instance end with error "canceled"; nothing is left behind. */
export function abortInstance(instance: InstanceSnapshot, now: Date, registry: StageRegistry): Transition | 'terminated' {
  if (instance.status !== 'running') return 'terminated';
  const t = new Transition(instance, now, registry);
  cancelInstance(t);
  return t;
}

/**
 * Redrive: a failed instance runs again from its failed stage `from.stage` (the same instance:
 * its succeeded stages are not re-run, its variables are kept); the stage is resolved and started
 * anew (an acting stage's attempts start again at 1). Anything but a failed instance: 'not_failed'.
 */
export function redriveInstance(
  instance: InstanceSnapshot,
  from: { stage: number; failedRun: boolean },
  now: Date,
  registry: StageRegistry,
): Transition | 'not_failed' {
  if (instance.status !== 'failed') return 'not_failed';
  const t = new Transition(instance, now, registry);
  t.redrive(from.stage, from.failedRun);
  t.emitInstance('REDRIVEN_WORKFLOW', { number: from.stage });
  advance(t, { action: 'start', stage: from.stage });
  return t;
}
