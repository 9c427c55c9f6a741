/**
 * A REFERENCE MODEL of one workflow instance, written from the documented semantics
 * (docs/orchestration-v1.md, docs/stages.md, apps/orchestrator/README.md "State machine") — not
 * from the implementation, which it must never import. Pure, synchronous, no I/O; time is a number
 * of milliseconds that only moves when a command moves it. Differential tests drive the real
 * engine and this model with the same commands and compare `view()` after every step.
 *
 * Choices where the documents leave a detail open (each one deliberate):
 *  1. Commands are applied in order and each is atomic (one engine transaction). Everything that
 *     can happen inline does: a stage that finishes at once lets the next one start in the same
 *     step (noop, publish, a delay of 0 ms, a wait_event whose event is buffered, an elapsed
 *     deadline…). So `runs` never shows `running` between commands.
 *  2. Buffered events: an event that does not complete the current wait_event is buffered (FIFO)
 *     and consumed by the FIRST later wait_event with that name, however that stage is reached —
 *     also inline right after a sendEvent completed an earlier wait, after a delay's timer, after
 *     an act or a bus event. Finishing (success, failure, abort) drops the buffer.
 *  3. `timerDue` fires the instance's pending timer: the clock jumps to its due time, or stays
 *     where it is if that is already later (time never goes back); stages started by it start at
 *     that `now`. `advanceClock` only moves the clock: timers that became due do NOT fire (the
 *     worker has not claimed them yet), so a sendEvent may still beat a wait_event's passed deadline
 *     ("sendEvent completes the stage first", outcomes/wait-deadline) — the event wins.
 *  4. `timerDue` on an `act` timer is not applicable (attempts run only through `actResult`, as
 *     the claim skips act timers). `actResult` runs the due attempt: the clock jumps to its due time
 *     (as in 3), the attempt ends instantly; a retry is due `nextDelayMs` after that. The lease (the
 *     timer moving to the call's timeout + margin while the call runs) is not modelled: `timer`
 *     shows when the attempt is due.
 *  5. Act errors: the model's acting stage fails with ACT_ERRORS.retryable (last attempt) or
 *     ACT_ERRORS.fatal; a driver of the real engine must make its acting kind answer these strings.
 *  6. `busEvent` counts only while the wait_for_event is open and not past its deadline (an event
 *     published exactly AT the deadline still counts: the matcher's `deadline >= date`). It is
 *     published after every earlier command, so it always postdates the wait's start. Bus events
 *     are never buffered: no open matching wait → not_applicable, and nothing changes.
 *  7. Answers: sendEvent / abort of a terminated instance → 'terminated' (the API's 400);
 *     timerDue with no timer, actResult with no act timer, busEvent without a matching wait, a
 *     negative advanceClock → 'not_applicable' (nothing changes); advanceClock → 'ok' always.
 *  8. A delay: ms < 0 fails the stage with "negative duration provided" (a negative `duration`);
 *     ms = 0 completes inline (due time not after now); ms > 0 sleeps on a `resume` timer.
 *     A wait_event / wait_for_event with timeoutMs <= 0 has an elapsed deadline: its on_timeout
 *     applies inline (for wait_event only after a buffered event of that name was looked for).
 *     (The real engine refuses a timeout that is not positive, so drivers of it should generate
 *     timeoutMs >= 1; the inline rule mirrors outcomes/wait-deadline and wait-bus.)
 *  9. Timer `attempt` is 0 for resume / timeout timers, the attempt number (1, 2, …) for act.
 * 10. `on_event: succeed` / `on_timeout: succeed`: that stage succeeds and the instance succeeds;
 *     the stages after it are never reached (no run).
 * 11. Not modelled: variables / `${var}` interpolation, resolve errors, save_as outputs, lifecycle
 *     events, history inputs, internal errors (MAX_TRANSITION_FAILURES), leases and crashes.
 * 13. `redrive` (our extension): only a failed instance (else not_applicable); its failed stage
 *     runs again from scratch at `now` (a fresh deadline, attempts from 1), earlier stages are not
 *     re-run, nothing buffered before the failure comes back (finishing dropped it).
 * 14. `wait_for_events` (our extension): its matchers (event types) collect from the instance's
 *     start, also before the stage begins; a stage that begins with enough collected completes
 *     inline; `collectEvent` of a type records one event per matcher of that type of every stage
 *     still collecting (a stage stops collecting when it ends; the instance's end drops everything
 *     collected; a stage that begins again after a redrive collects from then on) and completes
 *     the waiting stage when enough came: `all` one per matcher, `any` one, a number n in all. At
 *     its deadline: `continue` completes it, `fail` fails it ("timeout"). Outputs are not modelled.
 * 12. The model never writes a `start` timer (every start runs inline); the action is in the type
 *     only because the engine has one.
 */

export type ModelStage =
  | { kind: 'noop' }
  | { kind: 'delay'; ms: number }
  | { kind: 'wait_event'; event: string; timeoutMs?: number; onTimeout?: 'fail' | 'continue' }
  | { kind: 'wait_for_event'; eventType: string; timeoutMs?: number; onEvent: 'continue' | 'succeed'; onTimeout: 'fail' | 'continue' | 'succeed' }
  /** An acting stage (http…); `attempts` total, the first included. */
  | { kind: 'act'; attempts: number; backoffMs: number; maxBackoffMs: number }
  | { kind: 'publish'; eventType: string }
  /** Collects bus events of its matchers' types from the instance's start; `mode` a number: count(n). */
  | { kind: 'wait_for_events'; types: string[]; mode: 'all' | 'any' | number; timeoutMs?: number; onTimeout: 'continue' | 'fail' };

export type ModelCommand =
  | { type: 'sendEvent'; name: string }
  /** The instance's pending timer fires (the clock jumps to its due time). */
  | { type: 'timerDue' }
  | { type: 'advanceClock'; ms: number }
  | { type: 'busEvent'; eventType: string }
  /** The current acting attempt ends. */
  | { type: 'actResult'; result: 'succeeded' | 'retryable' | 'fatal' }
  | { type: 'abort' }
  /** The act system leases the due `act` timer: the attempt's call is in flight (until `actResult`). */
  | { type: 'callBegins' }
  /** A bus event of `eventType`, for the `wait_for_events` matchers still collecting. */
  | { type: 'collectEvent'; eventType: string }
  /**
   * A cancel_on matcher matched a bus event: the instance is canceled now (every open run and the
   * instance "canceled") — or, while a call is in flight, once the call's result is recorded.
   */
  | { type: 'cancelEvent' }
  /** A failed instance runs again from its failed stage (our extension). */
  | { type: 'redrive' };

export type ModelInstanceStatus = 'running' | 'succeeded' | 'failed' | 'canceled';
export type ModelRunStatus = 'running' | 'sleeping' | 'waiting' | 'acting' | 'succeeded' | 'failed' | 'canceled';
export type ModelAnswer = 'ok' | 'not_applicable' | 'terminated';

/** The observable state, compared after every step. */
export interface ModelView {
  status: ModelInstanceStatus;
  /** 'timeout', 'canceled', an act error, 'negative duration provided'; null unless failed/canceled. */
  error: string | null;
  /** The reached stages, in order. */
  runs: Array<{ stage: number; status: ModelRunStatus; error: string | null }>;
  /** Buffered event names, oldest first. */
  buffered: string[];
  /** The open wait_event. */
  wait: { stage: number; event: string; deadline: number | null } | null;
  /** The open wait_for_event. */
  busWait: { stage: number; eventType: string; deadline: number | null } | null;
  timer: { stage: number; action: 'start' | 'resume' | 'timeout' | 'act'; dueAt: number; attempt: number } | null;
  /** Domain event types emitted by publish stages, in order. */
  published: string[];
  /** The pending `act` timer is leased (its call in flight). */
  callInFlight: boolean;
  /** A cancel_on event matched during the call in flight (applies when its result is recorded). */
  cancelRequested: boolean;
  /** Events collected for wait_for_events matchers, in order. */
  collected: Array<{ stage: number; matcher: number }>;
  /** The wait_for_events stages whose matchers still collect. */
  collecting: number[];
}

/** The error of a wait whose deadline passed with on_timeout `fail`. */
export const TIMEOUT = 'timeout';
/** The error of an aborted stage and instance. */
export const CANCELED = 'canceled';
/** The error of a delay with a negative duration. */
export const NEGATIVE_DURATION = 'negative duration provided';
/** The errors the model's acting stage fails with (choice 5). */
export const ACT_ERRORS = { retryable: 'act: retryable failure', fatal: 'act: fatal failure' } as const;

/** Delay before attempt `attempt + 1` after attempt `attempt` failed retryably; undefined: none left. */
export function nextDelayMs(policy: { attempts: number; backoffMs: number; maxBackoffMs: number }, attempt: number): number | undefined {
  if (attempt >= policy.attempts) return undefined;
  return Math.min(policy.backoffMs * 2 ** (attempt - 1), policy.maxBackoffMs);
}

const TERMINAL_RUN: ReadonlySet<ModelRunStatus> = new Set(['succeeded', 'failed', 'canceled']);

export class EngineModel {
  now: number;
  private status: ModelInstanceStatus = 'running';
  private error: string | null = null;
  private readonly runs: ModelView['runs'] = [];
  private buffered: string[] = [];
  private wait: (NonNullable<ModelView['wait']> & { onTimeout: 'fail' | 'continue' }) | null = null;
  private busWait:
    | (NonNullable<ModelView['busWait']> & { onEvent: 'continue' | 'succeed'; onTimeout: 'fail' | 'continue' | 'succeed' })
    | null = null;
  private timer: ModelView['timer'] = null;
  private readonly published: string[] = [];
  /** The timer object the act system leased (a new timer is never leased). */
  private leasedTimer: ModelView['timer'] = null;
  private cancelRequested = false;
  private collected: Array<{ stage: number; matcher: number }> = [];
  private readonly collecting = new Set<number>();

  /** Starts the instance at `startAt`: stage 0 runs inline (a workflow without stages succeeds). */
  constructor(private readonly stages: readonly ModelStage[], startAt: number) {
    this.now = startAt;
    stages.forEach((stage, index) => stage.kind === 'wait_for_events' && this.collecting.add(index));
    this.startStage(0);
  }

  get terminated(): boolean {
    return this.status !== 'running';
  }

  view(): ModelView {
    return {
      status: this.status,
      error: this.error,
      runs: this.runs.map((run) => ({ ...run })),
      buffered: [...this.buffered],
      wait: this.wait && { stage: this.wait.stage, event: this.wait.event, deadline: this.wait.deadline },
      busWait: this.busWait && { stage: this.busWait.stage, eventType: this.busWait.eventType, deadline: this.busWait.deadline },
      timer: this.timer && { ...this.timer },
      published: [...this.published],
      callInFlight: this.callInFlight,
      cancelRequested: this.status === 'running' && this.cancelRequested,
      collected: this.collected.map((c) => ({ ...c })),
      collecting: [...this.collecting].sort((a, b) => a - b),
    };
  }

  /** Whether what was collected for wait_for_events stage `index` completes it. */
  private enoughFor(index: number): boolean {
    const stage = this.stages[index];
    if (stage.kind !== 'wait_for_events') return false;
    const mine = this.collected.filter((c) => c.stage === index);
    if (stage.mode === 'all') return stage.types.every((_, matcher) => mine.some((c) => c.matcher === matcher));
    if (stage.mode === 'any') return mine.length >= 1;
    return mine.length >= stage.mode;
  }

  private collectEvent(eventType: string): ModelAnswer {
    if (this.terminated) return 'not_applicable';
    const got: number[] = [];
    for (const index of [...this.collecting].sort((a, b) => a - b)) {
      const stage = this.stages[index];
      if (stage.kind !== 'wait_for_events') continue;
      stage.types.forEach((type, matcher) => {
        if (type !== eventType) return;
        this.collected.push({ stage: index, matcher });
        if (!got.includes(index)) got.push(index);
      });
    }
    if (got.length === 0) return 'not_applicable';
    const waiting = got.find((index) => this.runs.some((r) => r.stage === index && r.status === 'waiting'));
    if (waiting !== undefined && this.enoughFor(waiting)) {
      this.collecting.delete(waiting);
      this.completeStage(waiting);
    }
    return 'ok';
  }

  private get callInFlight(): boolean {
    return this.timer !== null && this.timer === this.leasedTimer;
  }

  /** Every open run and the instance end "canceled". */
  private cancelAll(): void {
    for (const run of this.runs) {
      if (!TERMINAL_RUN.has(run.status)) Object.assign(run, { status: 'canceled', error: CANCELED });
    }
    this.finish(CANCELED);
  }

  apply(cmd: ModelCommand): ModelAnswer {
    switch (cmd.type) {
      case 'advanceClock':
        if (!(cmd.ms >= 0)) return 'not_applicable';
        this.now += cmd.ms;
        return 'ok';
      case 'sendEvent':
        if (this.terminated) return 'terminated';
        if (this.wait && this.wait.event === cmd.name) this.completeStage(this.wait.stage);
        else this.buffered.push(cmd.name);
        return 'ok';
      case 'abort':
        if (this.terminated) return 'terminated';
        this.cancelAll();
        return 'ok';
      case 'collectEvent':
        return this.collectEvent(cmd.eventType);
      case 'callBegins':
        if (this.terminated || !this.timer || this.timer.action !== 'act' || this.callInFlight) return 'not_applicable';
        this.leasedTimer = this.timer;
        return 'ok';
      case 'cancelEvent':
        if (this.terminated) return 'terminated';
        if (this.callInFlight) this.cancelRequested = true;
        else this.cancelAll();
        return 'ok';
      case 'timerDue':
        return this.timerDue();
      case 'busEvent': {
        const wait = this.busWait;
        if (this.terminated || !wait || wait.eventType !== cmd.eventType) return 'not_applicable';
        if (wait.deadline !== null && this.now > wait.deadline) return 'not_applicable';
        if (wait.onEvent === 'succeed') this.succeedInstanceAt(wait.stage);
        else this.completeStage(wait.stage);
        return 'ok';
      }
      case 'actResult':
        return this.actResult(cmd.result);
      case 'redrive': {
        if (this.status !== 'failed') return 'not_applicable';
        const failed = this.runs.findIndex((run) => run.status === 'failed');
        if (failed < 0) return 'not_applicable';
        const [run] = this.runs.splice(failed, 1);
        this.status = 'running';
        this.error = null;
        this.startStage(run.stage);
        return 'ok';
      }
    }
  }

  private timerDue(): ModelAnswer {
    const timer = this.timer;
    if (this.terminated || !timer || timer.action === 'act') return 'not_applicable';
    this.now = Math.max(this.now, timer.dueAt);
    this.timer = null;
    if (timer.action === 'start') this.startStage(timer.stage);
    else if (timer.action === 'resume') this.completeStage(timer.stage);
    else if (this.wait?.stage === timer.stage) this.timeout(timer.stage, this.wait.onTimeout);
    else if (this.busWait?.stage === timer.stage) this.timeout(timer.stage, this.busWait.onTimeout);
    else {
      const stage = this.stages[timer.stage];
      if (stage.kind === 'wait_for_events') {
        this.collecting.delete(timer.stage);
        this.timeout(timer.stage, stage.onTimeout);
      }
    }
    return 'ok';
  }

  private actResult(result: 'succeeded' | 'retryable' | 'fatal'): ModelAnswer {
    const timer = this.timer;
    if (this.terminated || !timer || timer.action !== 'act') return 'not_applicable';
    this.now = Math.max(this.now, timer.dueAt);
    if (this.cancelRequested) {
      // The call's result is recorded (a success completes the stage), then the cancel applies.
      if (result === 'succeeded') {
        this.setRun(timer.stage, 'succeeded');
        this.timer = null;
        if (timer.stage + 1 >= this.stages.length) this.finish(null);
        else this.cancelAll();
      } else this.cancelAll();
      return 'ok';
    }
    if (result === 'succeeded') {
      this.completeStage(timer.stage);
      return 'ok';
    }
    const stage = this.stages[timer.stage];
    const delay = result === 'retryable' && stage.kind === 'act' ? nextDelayMs(stage, timer.attempt) : undefined;
    if (delay === undefined) this.failStage(timer.stage, ACT_ERRORS[result]);
    else this.timer = { stage: timer.stage, action: 'act', dueAt: this.now + delay, attempt: timer.attempt + 1 };
    return 'ok';
  }

  /** Reaches stage `index` and runs it (inline as far as it goes). */
  private startStage(index: number): void {
    if (index >= this.stages.length) return this.finish(null);
    const stage = this.stages[index];
    this.runs.push({ stage: index, status: 'running', error: null });
    switch (stage.kind) {
      case 'noop':
        return this.completeStage(index);
      case 'publish':
        this.published.push(stage.eventType);
        return this.completeStage(index);
      case 'delay':
        if (stage.ms < 0) return this.failStage(index, NEGATIVE_DURATION);
        if (stage.ms === 0) return this.completeStage(index);
        this.setRun(index, 'sleeping');
        this.timer = { stage: index, action: 'resume', dueAt: this.now + stage.ms, attempt: 0 };
        return;
      case 'wait_event': {
        const buffered = this.buffered.indexOf(stage.event);
        if (buffered >= 0) {
          this.buffered.splice(buffered, 1);
          return this.completeStage(index);
        }
        const onTimeout = stage.onTimeout ?? 'fail';
        const deadline = stage.timeoutMs === undefined ? null : this.now + stage.timeoutMs;
        if (deadline !== null && deadline <= this.now) return this.timeout(index, onTimeout);
        this.setRun(index, 'waiting');
        this.wait = { stage: index, event: stage.event, deadline, onTimeout };
        if (deadline !== null) this.timer = { stage: index, action: 'timeout', dueAt: deadline, attempt: 0 };
        return;
      }
      case 'wait_for_event': {
        const deadline = stage.timeoutMs === undefined ? null : this.now + stage.timeoutMs;
        if (deadline !== null && deadline <= this.now) return this.timeout(index, stage.onTimeout);
        this.setRun(index, 'waiting');
        this.busWait = { stage: index, eventType: stage.eventType, deadline, onEvent: stage.onEvent, onTimeout: stage.onTimeout };
        if (deadline !== null) this.timer = { stage: index, action: 'timeout', dueAt: deadline, attempt: 0 };
        return;
      }
      case 'act':
        this.setRun(index, 'acting');
        this.timer = { stage: index, action: 'act', dueAt: this.now, attempt: 1 };
        return;
      case 'wait_for_events': {
        this.collecting.add(index);
        if (this.enoughFor(index)) {
          this.collecting.delete(index);
          return this.completeStage(index);
        }
        const deadline = stage.timeoutMs === undefined ? null : this.now + stage.timeoutMs;
        if (deadline !== null && deadline <= this.now) {
          this.collecting.delete(index);
          return this.timeout(index, stage.onTimeout);
        }
        this.setRun(index, 'waiting');
        if (deadline !== null) this.timer = { stage: index, action: 'timeout', dueAt: deadline, attempt: 0 };
        return;
      }
    }
  }

  /** A wait's deadline: `fail` (error "timeout"), `continue` (next stage), `succeed` (the instance ends well). */
  private timeout(index: number, onTimeout: 'fail' | 'continue' | 'succeed'): void {
    if (onTimeout === 'fail') return this.failStage(index, TIMEOUT);
    if (onTimeout === 'succeed') return this.succeedInstanceAt(index);
    this.completeStage(index);
  }

  /** `on_event` / `on_timeout: succeed`: the stage succeeds and so does the instance; later stages are never reached. */
  private succeedInstanceAt(index: number): void {
    this.setRun(index, 'succeeded');
    this.finish(null);
  }

  /** The stage succeeded: its wait and timer go; the next stage runs inline (or the instance succeeds). */
  private completeStage(index: number): void {
    this.setRun(index, 'succeeded');
    this.wait = null;
    this.busWait = null;
    this.timer = null;
    this.startStage(index + 1);
  }

  private failStage(index: number, error: string): void {
    this.setRun(index, 'failed', error);
    this.finish(error);
  }

  /** Terminates the instance (error null: success); no timer, wait or buffered event is left. */
  private finish(error: string | null): void {
    this.collecting.clear();
    this.collected = [];
    this.status = error === null ? 'succeeded' : error === CANCELED ? 'canceled' : 'failed';
    this.error = error;
    this.wait = null;
    this.busWait = null;
    this.timer = null;
    this.buffered = [];
  }

  private setRun(index: number, status: ModelRunStatus, error: string | null = null): void {
    const run = this.runs.find((candidate) => candidate.stage === index);
    if (!run) throw new Error(`model: stage ${index} was never reached`);
    run.status = status;
    run.error = error;
  }
}
