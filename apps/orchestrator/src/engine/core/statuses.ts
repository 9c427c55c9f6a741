/**
 * The instance and stage-run state machine, in one place (drawn in apps/orchestrator/README.md).
 * Every transition is performed by one engine system inside one Postgres transaction that also
 * writes the next work item (a `timers` row, a `waits` row, or nothing once terminated) and the
 * lifecycle events (outbox). The tables below are CHECKED: `Transition` refuses a status change
 * that is not one of their rows (core/lifecycle.spec.ts and the model test hold it to them).
 */

/** `instances.status`. `running` until the last stage succeeds, a stage fails, or an abort. */
export type InstanceStatus = 'running' | 'succeeded' | 'failed' | 'canceled';
export const TERMINAL_INSTANCE: ReadonlySet<InstanceStatus> = new Set(['succeeded', 'failed', 'canceled']);

/**
 * `stage_runs.status`: a stage run is created `running` when the stage starts, may park in
 * `sleeping` (a `resume` timer), `waiting` (a `waits` or `bus_waits` row, optionally with a
 * `timeout` timer) or `acting` (an `act` timer: the attempt's lease or the next retry), and ends
 * in a terminal status.
 */
export type StageRunStatus = 'running' | 'sleeping' | 'waiting' | 'acting' | 'succeeded' | 'failed' | 'canceled';
export const TERMINAL_STAGE_RUN: ReadonlySet<StageRunStatus> = new Set(['succeeded', 'failed', 'canceled']);

/** `timers.action`: what the worker does when the timer is due. */
export type TimerAction =
  /** start stage `stage` (the next stage after a transition that could not finish inline). */
  | 'start'
  /** complete sleeping stage `stage` (a delay's due time). */
  | 'resume'
  /** a wait's deadline passed: its `on_timeout` applies. */
  | 'timeout'
  /** run (or retry) an acting stage's attempt; while the call runs, its lease (the act system). */
  | 'act';

/** The error of a stage and instance that were aborted. */
export const CANCELED = 'canceled';

/** `new`: not yet in the database (an instance being started, a stage being reached). */
type From<S> = 'new' | S;

/** Instance transitions (from → to) with the systems that perform each. */
export const INSTANCE_TRANSITIONS: ReadonlyArray<{ from: From<InstanceStatus>; to: InstanceStatus; by: string }> = [
  { from: 'new', to: 'running', by: 'start' },
  { from: 'new', to: 'succeeded', by: 'start (every stage finished inline)' },
  { from: 'new', to: 'failed', by: 'start (a stage failed inline)' },
  { from: 'new', to: 'canceled', by: "start (a cancel_on lookback caught a cancel published before it)" },
  { from: 'running', to: 'succeeded', by: 'claim-and-advance | waits | act | bus waits' },
  { from: 'running', to: 'failed', by: 'claim-and-advance | waits | act | bus waits' },
  { from: 'running', to: 'canceled', by: 'abort | bus waits (cancel_on) | act (a cancel_on requested during the call)' },
  { from: 'failed', to: 'running', by: 'redrive (from the failed stage)' },
];

/** Stage-run transitions (from → to) with what performs each. */
export const STAGE_RUN_TRANSITIONS: ReadonlyArray<{ from: From<StageRunStatus>; to: StageRunStatus; by: string }> = [
  { from: 'new', to: 'running', by: 'the stage is reached (whichever system is advancing)' },
  { from: 'running', to: 'succeeded', by: 'outcome done / emit; an elapsed sleep; a buffered event; an elapsed deadline (continue)' },
  { from: 'running', to: 'failed', by: 'outcome failed / resolve error / unsupported; an elapsed deadline (fail)' },
  { from: 'running', to: 'sleeping', by: 'outcome sleep (future due time)' },
  { from: 'running', to: 'waiting', by: 'outcome wait / wait_bus (no buffered event)' },
  { from: 'running', to: 'acting', by: 'outcome act' },
  { from: 'sleeping', to: 'succeeded', by: 'claim-and-advance (resume timer due)' },
  { from: 'waiting', to: 'succeeded', by: 'waits (sendEvent with that name) | bus waits (a matching bus event) | timeout timer (continue / succeed)' },
  { from: 'waiting', to: 'failed', by: 'claim-and-advance (timeout timer: on_timeout fail)' },
  { from: 'acting', to: 'succeeded', by: 'act (attempt succeeded)' },
  { from: 'acting', to: 'failed', by: 'act (fatal, or the last attempt failed)' },
  { from: 'acting', to: 'acting', by: 'act (retryable failure, attempts left: timer at the back-off)' },
  { from: 'sleeping', to: 'failed', by: 'claim-and-advance (a transition that kept throwing: internal error)' },
  { from: 'running', to: 'canceled', by: 'abort' },
  { from: 'sleeping', to: 'canceled', by: 'abort' },
  { from: 'waiting', to: 'canceled', by: 'abort' },
  { from: 'acting', to: 'canceled', by: 'abort' },
  { from: 'failed', to: 'running', by: 'redrive (the failed stage runs again)' },
];

const key = (from: string, to: string) => `${from}→${to}`;
const INSTANCE_ALLOWED = new Set(INSTANCE_TRANSITIONS.map((t) => key(t.from, t.to)));
const STAGE_RUN_ALLOWED = new Set(STAGE_RUN_TRANSITIONS.map((t) => key(t.from, t.to)));

export function isInstanceTransition(from: From<InstanceStatus>, to: InstanceStatus): boolean {
  return INSTANCE_ALLOWED.has(key(from, to));
}

export function isStageRunTransition(from: From<StageRunStatus>, to: StageRunStatus): boolean {
  return STAGE_RUN_ALLOWED.has(key(from, to));
}

/** A status change that is not a row of the tables: a bug in the engine, never a user error. */
export class IllegalTransition extends Error {
  override readonly name = 'IllegalTransition';
}
