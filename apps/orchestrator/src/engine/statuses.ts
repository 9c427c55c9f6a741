/**
 * The instance and stage-run state machine, in one place (drawn in apps/orchestrator/README.md).
 * Every transition is performed by one engine system inside one Postgres transaction that also
 * writes the next work item (a `timers` row, a `waits` row, or nothing once terminated) and the
 * lifecycle events (outbox).
 */

/** `instances.status`. `running` until the last stage succeeds, a stage fails, or an abort. */
export type InstanceStatus = 'running' | 'succeeded' | 'failed' | 'canceled';
export const TERMINAL_INSTANCE: ReadonlySet<InstanceStatus> = new Set(['succeeded', 'failed', 'canceled']);

/**
 * `stage_runs.status`: a stage run is created `running` when the stage starts, may park in
 * `sleeping` (a `resume` timer), `waiting` (a `waits` row, optionally with a `timeout` timer) or
 * `acting` (an `act` timer: the attempt's lease or the next retry), and ends in a terminal status.
 */
export type StageRunStatus = 'running' | 'sleeping' | 'waiting' | 'acting' | 'succeeded' | 'failed' | 'canceled';

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

/** Transitions (from → to) with the system that performs each; `engine.spec.ts` and the README follow it. */
export const INSTANCE_TRANSITIONS = [
  { from: 'new', to: 'running', by: 'start' },
  { from: 'running', to: 'succeeded', by: 'start | claim-and-advance | waits' },
  { from: 'running', to: 'failed', by: 'start | claim-and-advance | waits' },
  { from: 'running', to: 'canceled', by: 'abort' },
] as const;

export const STAGE_RUN_TRANSITIONS = [
  { from: 'new', to: 'running', by: 'start | claim-and-advance | waits (next stage)' },
  { from: 'running', to: 'succeeded', by: 'outcome done / emit' },
  { from: 'running', to: 'failed', by: 'outcome failed / resolve error / unsupported' },
  { from: 'running', to: 'sleeping', by: 'outcome sleep (future due time)' },
  { from: 'running', to: 'waiting', by: 'outcome wait (no buffered event)' },
  { from: 'running', to: 'acting', by: 'outcome act' },
  { from: 'sleeping', to: 'succeeded', by: 'claim-and-advance (resume timer due)' },
  { from: 'waiting', to: 'succeeded', by: 'waits (sendEvent with that name) | bus waits (a matching bus event)' },
  { from: 'waiting', to: 'succeeded | failed', by: 'claim-and-advance (timeout timer: on_timeout)' },
  { from: 'acting', to: 'succeeded | failed', by: 'act (attempt succeeded; fatal or last attempt failed)' },
  { from: 'acting', to: 'acting', by: 'act (retryable failure, attempts left: timer at the back-off)' },
  { from: 'sleeping | waiting | acting | running', to: 'canceled', by: 'abort' },
] as const;
