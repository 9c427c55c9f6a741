/**
 * The stage-kind plug-in contract. A kind is one folder under `stages/<kind>/` with its test
 * beside it and one line in `stages/registry.ts`: a pure {@link StageDefinition} and, for acting
 * kinds, a {@link StageActor}. Phases:
 *
 * 1. `checkStructure` at workflow creation (uninterpolated spec; `${var}` placeholders allowed):
 *    an error message → 400.
 * 2. `resolve` when the stage is reached, after `${var}` interpolation: full validation; the
 *    resolved input is what `/history` shows.
 * 3. `start`, inside the engine's transaction (pure: no I/O, time from `context.now`): says what
 *    the engine does next — see {@link StageOutcome}.
 * 4. `act` (a separate {@link StageActor}), only for kinds whose `start` answers `{type: 'act'}`:
 *    the one side effect on the world, run by the engine **outside any database transaction**, at least once per attempt
 *    (a crash mid-call re-runs the attempt with the same idempotency key). Its result is recorded
 *    as one stage-history attempt; retryable failures are retried per the stage's retry policy
 *    through a durable timer.
 */

/** Retry policy of an acting stage: `retry: {attempts: 5, backoff: 1s, max_backoff: 1m}`. */
export interface RetryPolicy {
  /** Total attempts including the first (≥ 1). */
  attempts: number;
  /** Delay before the 2nd attempt; doubles each attempt (exponential backoff). */
  backoffMs: number;
  /** Upper bound of the delay between attempts. */
  maxBackoffMs: number;
}

/**
 * When attempt `attempt` (1-based) failed retryably: the delay before the next attempt
 * (exponential, capped by `maxBackoffMs`), or undefined when the policy has no attempt left.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number | undefined {
  if (attempt >= policy.attempts) return undefined;
  return Math.min(policy.backoffMs * 2 ** (attempt - 1), policy.maxBackoffMs);
}

/** A domain event a stage emits through the orchestrator's outbox (envelope app `orchestration`, version `v1`). */
export interface EmittedEvent {
  type: string;
  payload: Record<string, unknown>;
}

/** What a stage does when it starts (decided inside the engine's transaction). */
export type StageOutcome =
  /** Completed now; `output` is saved under the stage's `save_as` name when it has one. */
  | { type: 'done'; output?: Record<string, unknown> }
  | { type: 'failed'; error: string }
  /** Complete the stage at `until` (a durable timer). */
  | { type: 'sleep'; until: Date }
  /**
   * Complete the stage when an event named `event` is sent to the instance (`sendEvent`); with
   * `deadline`, when it passes first: `onTimeout` `fail` (error "timeout") or `continue`.
   */
  | { type: 'wait'; event: string; deadline?: Date; onTimeout?: 'fail' | 'continue' }
  /**
   * Wait for a domain event on the bus of type `eventType` whose payload satisfies the CEL
   * `condition` over `{event, vars}`; only events published after the wait began count.
   */
  | {
      type: 'wait_bus';
      eventType: string;
      condition?: string;
      deadline?: Date;
      onEvent: 'continue' | 'succeed';
      onTimeout: 'fail' | 'continue' | 'succeed';
      saveAs?: string;
    }
  /**
   * `wait_for_events`: complete the stage once the events collected for it since the instance
   * started (one per matcher, `matchers` of them) meet `need`; at `deadline`, `onTimeout`.
   */
  | {
      type: 'collect';
      need: { kind: 'all' } | { kind: 'any' } | { kind: 'count'; n: number };
      /** Its matchers (`if`: CEL over `{event, vars}`). */
      events: ReadonlyArray<{ type: string; if?: string }>;
      matchers: number;
      deadline?: Date;
      onTimeout: 'continue' | 'fail';
    }
  /** Emit `event` in the same transaction (outbox), then the stage is done. */
  | { type: 'emit'; event: EmittedEvent }
  /** Call `act` outside the transaction, with `retry` governing retryable failures. */
  | { type: 'act'; retry: RetryPolicy };

/** What one attempt of `act` came to. */
export type ActResult =
  | { type: 'succeeded'; output?: Record<string, unknown> }
  /** Transport failure, timeout, 408/429/5xx…: retried while attempts remain. */
  | { type: 'retryable'; error: string }
  /** A refusal that a retry cannot change (a rule's 403/404/422, another 4xx): fails the stage. */
  | { type: 'fatal'; error: string };

export interface ActContext {
  instanceId: string;
  stage: number;
  /** 1-based attempt number. */
  attempt: number;
  /** Stable across every attempt of the same stage run: send it as the `Idempotency-Key`. */
  idempotencyKey: string;
  now: Date;
  /** Aborted when the instance is aborted or the orchestrator shuts down. */
  signal: AbortSignal;
}

export type Resolved<T> = { ok: true; input: T } | { ok: false; error: string };

export interface StageStartContext {
  now: Date;
  instanceId: string;
  stage: number;
  /** The instance's variables (after earlier stages' `save_as` outputs were merged in). */
  variables: Record<string, string>;
}

/** One acting attempt as stage history shows it: `name` and `input` (`{<name>: request}`). */
export interface Activity {
  name: string;
  request: Record<string, unknown>;
}

/** What the engine needs to know of an acting kind without calling it (pure). */
export interface ActingDefinition<T> {
  /** The attempt's history name and request. */
  activity(input: T): Activity;
  /** The retry policy of the stage (from its resolved input). */
  retryPolicy(input: T): RetryPolicy;
  /** How long one call may take (the lease adds a margin). */
  callTimeoutMs(input: T): number;
}

/**
 * A stage kind's definition — pure, registered once (stages/registry.ts `STAGE_DEFINITIONS`):
 * its structural check at workflow creation, its resolution and full validation when reached
 * (after variable interpolation), what starting it does, and — for acting kinds — the activity,
 * retry policy and call timeout. Like a Temporal workflow: deterministic, no dependencies.
 */
export interface StageDefinition<T extends Record<string, unknown> = Record<string, unknown>> {
  /** The key in the workflow config, e.g. `wait_event`. */
  readonly kind: string;
  /** Structural check of the stage's (uninterpolated) spec; returns an error message or undefined. */
  checkStructure(spec: Record<string, unknown>): string | undefined;
  /** Full validation once variables are interpolated; `input` is what /history shows. */
  resolve(spec: Record<string, unknown>): Resolved<T>;
  start(input: T, context: StageStartContext): StageOutcome;
  /** Present on kinds whose `start` answers `{type: 'act'}`. */
  readonly acting?: ActingDefinition<T>;
}

/**
 * A stage kind's actor — the one side effect on the world, with its dependencies (HTTP, the
 * interventions service, the ledger), built by the runtime and looked up by kind name
 * (runtime/stages.module.ts `STAGE_ACTORS`). Like a Temporal activity: run outside any
 * transaction, at least once per attempt.
 */
export interface StageActor<T extends Record<string, unknown> = Record<string, unknown>> {
  readonly kind: string;
  act(input: T, context: ActContext): Promise<ActResult>;
}

/** `RunDelay` for `delay`, `RunWaitEvent` for `wait_event` (Formance's history names). */
export function historyName(kind: string): string {
  return 'Run' + kind.split('_').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

/** True when a string still contains a `${...}` placeholder (checked only at run time). */
export function isTemplated(value: string): boolean {
  return /\$\{[^}]+\}/.test(value);
}

/** A definition with, optionally, its actor in one object (to register a kind in one go, e.g. a test kind). */
export type StageKind<T extends Record<string, unknown> = Record<string, unknown>> = StageDefinition<T> & { act?: StageActor<T>['act'] };
