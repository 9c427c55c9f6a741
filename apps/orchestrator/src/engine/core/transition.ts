import { randomUUID } from 'node:crypto';
import {
  IllegalTransition, InstanceStatus, isInstanceTransition, isStageRunTransition, StageRunStatus, TimerAction,
} from './statuses';
import type { StageRegistry } from './stage-resolution';

/** An event sent to the instance before a `wait_event` asked for it (`buffered_events`). */
export interface BufferedEvent {
  id: string;
  name: string;
}

/** A bus event collected for a `wait_for_events` stage's matcher (`collected_events`). */
export interface CollectedEvent {
  stage: number;
  matcher: number;
  payload: Record<string, unknown>;
}

/** A `wait_for_events` matcher to record (`collect_waits`): events of its type collected from now on. */
export interface CollectWaitChange {
  stage: number;
  matcher: number;
  eventType: string;
  condition: string | null;
  /** The instance's variables when it is recorded: `vars` in the condition. */
  vars: Record<string, string>;
}

/** The instance's `waits` row (a `wait_event` stage waiting for `event`). */
export interface WaitState {
  stage: number;
  event: string;
  deadline: Date | null;
  onTimeout: 'fail' | 'continue' | null;
}

/** The instance's `bus_waits` row, as far as the core needs it. */
export interface BusWaitState {
  stage: number;
  onEvent: 'continue' | 'succeed';
  onTimeout: 'fail' | 'continue' | 'succeed';
}

/** The instance's `timers` row (at most one per instance). */
export interface TimerState {
  stage: number;
  action: TimerAction;
  attempt: number;
  dueAt: Date;
  /** Set while an acting attempt's call runs (the act system's lease). */
  leaseId: string | null;
}

/** The trigger, schedule and bus event that started an instance (a start's `origin`). */
export interface InstanceOrigin {
  triggerId?: string;
  scheduleId?: string;
  eventId?: string;
}

/**
 * Everything a transition of one instance needs, as ONE loader reads it under the instance's lock
 * (store/load-instances.ts) — or, for a start, as the start builds it (`status: 'new'`).
 */
export interface InstanceSnapshot {
  id: string;
  workflowId: string;
  stages: readonly unknown[];
  variables: Record<string, string>;
  createdAt: Date;
  status: InstanceStatus | 'new';
  /** Only for an instance created by this transition. */
  idempotencyKey?: string | null;
  /** Its labels (our extension); lifecycle events of the instance carry them. */
  metadata?: Record<string, string>;
  /** Depth of the trigger chain that started the instance (events it publishes are one deeper). */
  chainDepth: number;
  /** A cancel_on event that matched while an acting stage's call was in flight (its id). */
  cancelRequestedBy?: string | null;
  /** What started it (our extension): its instance-level lifecycle events carry it. */
  origin?: InstanceOrigin;
  /** Buffered events, oldest first. */
  buffered: BufferedEvent[];
  /** Bus events collected for its `wait_for_events` stages (oldest first; absent: none). */
  collected?: CollectedEvent[];
  /** The unfinished stage runs: their status and start. */
  openRuns: ReadonlyMap<number, { status: StageRunStatus; startedAt: Date }>;
  wait: WaitState | null;
  busWait: BusWaitState | null;
  timer: TimerState | null;
}

/** A fresh instance (a start): nothing loaded, nothing open. */
export function newInstance(
  fields: Pick<InstanceSnapshot, 'id' | 'workflowId' | 'stages' | 'variables' | 'createdAt' | 'idempotencyKey' | 'chainDepth' | 'metadata' | 'origin'>,
): InstanceSnapshot {
  return { ...fields, status: 'new', buffered: [], openRuns: new Map(), wait: null, busWait: null, timer: null };
}

/** A `wait_for_event` wait to record (store/bus-waits.ts `insertBusWait`). */
export interface BusWaitChange {
  stage: number;
  eventType: string;
  condition: string | null;
  onEvent: 'continue' | 'succeed';
  onTimeout: 'fail' | 'continue' | 'succeed';
  saveAs: string | null;
  deadline: Date | null;
}

/** An instance's `cancel_waits` row (store/cancel-waits.ts), one per matcher. */
export interface CancelWaitChange {
  matcher: number;
  eventType: string;
  condition: string | null;
  /** The triggering event's payload: `event` in the condition. */
  triggerEvent: Record<string, unknown> | null;
  /** The instance's variables at its start: `vars` in the condition. */
  startVars: Record<string, string>;
  /** A prefilter implied by the condition: the incoming payload's value at `matchPath` equals `matchValue`. */
  matchPath: string[] | null;
  matchValue: string | null;
  /** Events published before this do not cancel (the start, less the lookback). */
  notBefore: Date;
  /** Events published after this do not cancel (the start, plus `within`). */
  deadline: Date | null;
}

export type LifecycleType =
  | 'STARTED_WORKFLOW'
  | 'SUCCEEDED_WORKFLOW'
  | 'FAILED_WORKFLOW'
  | 'STARTED_WORKFLOW_STAGE'
  | 'SUCCEEDED_WORKFLOW_STAGE'
  | 'FAILED_WORKFLOW_STAGE'
  | 'REDRIVEN_WORKFLOW';

/** An event envelope (the contract's `{id, idempotency_key, date, app, version, type, payload}`). */
export interface OutboxEnvelope {
  id: string;
  idempotency_key: string;
  date: string;
  app: 'orchestration';
  /** `v2` for lifecycle events, `v1` for the domain events stages emit. */
  version: string;
  type: string;
  payload: Record<string, unknown>;
  /** Depth in the trigger chain (domain events a `publish` stage emits; the loop guard reads it). */
  chain_depth?: number;
}

export interface StageRunChange {
  stage: number;
  /** true: INSERT (started in this transition); false: UPDATE of an existing run. */
  isNew: boolean;
  kind: string;
  historyName: string;
  input: Record<string, unknown> | null;
  status: StageRunStatus;
  startedAt: Date;
  terminatedAt: Date | null;
  error: string | null;
  output: Record<string, unknown> | null;
  /** A failed run started again by a redrive (its row is reused and counts the redrive). */
  redrive?: boolean;
}

export interface TimerChange {
  stage: number;
  action: TimerAction;
  dueAt: Date;
  attempt: number;
}

export interface WaitChange {
  stage: number;
  event: string;
  deadline?: Date;
  onTimeout?: 'fail' | 'continue';
}

/**
 * Everything one instance's transition changes, accumulated in memory while the engine runs the
 * instance inline until its first real wait; the batch writer turns many of them into a few
 * set-based statements. Only final states are kept (a stage started and finished in the same
 * transition is one INSERT), so a batch never touches a row twice. Changes are made through
 * intent methods (`setTimer`, `clearTimer`, `park`, `setRunStatus`…); every status change is
 * checked against the transition tables of `statuses.ts`.
 */
export class Transition {
  status: InstanceStatus;
  error: string | null = null;
  terminatedAt: Date | null = null;
  variablesChanged = false;
  /** The timer to upsert (undefined: none set by this transition). */
  private timerSet: TimerChange | undefined;
  /** Delete the instance's timer (when no new one is set). */
  private timerCleared = false;
  /** A `waits` row to insert. */
  wait: WaitChange | undefined;
  /** Deletes the instance's `waits` and `bus_waits` rows. */
  private waitsCleared = false;
  /** A bus wait to record (written after the batch statement, under its event type's lock). */
  busWait: BusWaitChange | undefined;
  /** Buffered events consumed (deleted) by this transition. */
  readonly consumedBuffered: string[] = [];
  /** Events sent to the instance that this transition buffers (`buffered_events` rows). */
  readonly newBuffered: string[] = [];
  /** Delete every buffered event of the instance (it ended). */
  private bufferedDropped = false;
  readonly runs = new Map<number, StageRunChange>();
  /** The transition's events in order; written as ONE outbox row (an array) with the transition. */
  readonly events: OutboxEnvelope[] = [];
  /** `now` as RFC 3339 (computed once: every event and row of the transition carries it). */
  readonly nowIso: string;
  /** A start queued while its workflow is paused (the insert accepts it only then). */
  queued = false;
  /** Failed stage runs a redrive starts again. */
  private readonly redriven = new Set<number>();
  /** The bus event that canceled the instance (cancel_on). */
  canceledBy: string | null = null;
  /** A cancel_on match deferred until the call in flight ends (its event id). */
  cancelRequestedBy: string | null = null;
  /** The cancel matchers a start records (`cancel_waits`); they go when the instance ends. */
  cancelWaits: CancelWaitChange[] = [];
  /** `wait_for_events` matchers to record (at the start, and when such a stage begins). */
  collectWaits: CollectWaitChange[] = [];
  /** `wait_for_events` stages that ended: their matchers stop collecting. */
  readonly collectDone: number[] = [];

  constructor(
    /** The loaded instance; `variables` and `buffered` are updated as the transition goes. */
    readonly instance: InstanceSnapshot,
    readonly now: Date,
    /** The stage definitions stages are resolved against. */
    readonly registry: StageRegistry,
  ) {
    this.nowIso = now.toISOString();
    this.status = instance.status === 'new' ? 'running' : instance.status;
    this.instance = { ...instance, buffered: [...instance.buffered], variables: { ...instance.variables } };
  }

  /** true when this transition creates the instance (a start). */
  get isNew(): boolean {
    return this.instance.status === 'new';
  }

  get terminated(): boolean {
    return this.status !== 'running';
  }

  /** The timer this transition leaves: a new one, or undefined (see `clearsTimer`). */
  get timer(): TimerChange | undefined {
    return this.timerSet;
  }

  /** True when the instance's existing timer row goes (and none replaces it). */
  get clearsTimer(): boolean {
    return this.timerSet === undefined && this.timerCleared && !this.isNew;
  }

  get clearsWaits(): boolean {
    return this.waitsCleared && !this.isNew;
  }

  get dropsBuffered(): boolean {
    return this.bufferedDropped && !this.isNew;
  }

  /** The instance's next work item is this timer (replacing any it had). */
  setTimer(timer: TimerChange): void {
    this.timerSet = timer;
  }

  /** The instance has no timer any more (the one it had was consumed or is obsolete). */
  clearTimer(): void {
    this.timerSet = undefined;
    this.timerCleared = true;
  }

  /** The stage waits for an event sent to the instance (`waits` row). */
  park(wait: WaitChange): void {
    this.wait = wait;
  }

  /** The stage waits for a bus event (`bus_waits` row). */
  parkOnBus(wait: BusWaitChange): void {
    this.busWait = wait;
  }

  /** The instance's wait (or bus wait) ended: its rows go. */
  clearWaits(): void {
    this.wait = undefined;
    this.busWait = undefined;
    this.waitsCleared = true;
  }

  /** Consumes the oldest buffered event named `name`; false when there is none. */
  consumeBuffered(name: string): boolean {
    const index = this.instance.buffered.findIndex((event) => event.name === name);
    if (index < 0) return false;
    const [event] = this.instance.buffered.splice(index, 1);
    if (event.id) this.consumedBuffered.push(event.id);
    return true;
  }

  /** Buffers an event sent to the instance that no current wait asked for. */
  bufferEvent(name: string): void {
    this.newBuffered.push(name);
    this.instance.buffered.push({ id: '', name });
  }

  /** The instance ended: its buffered events go. */
  dropBuffered(): void {
    this.instance.buffered.length = 0;
    this.bufferedDropped = true;
  }

  /** Sets the instance's status (checked against INSTANCE_TRANSITIONS). */
  setStatus(to: InstanceStatus): void {
    const from = this.isNew && this.status === 'running' ? 'new' : this.status;
    if (!isInstanceTransition(from, to)) throw new IllegalTransition(`instance ${this.instance.id}: ${from} → ${to}`);
    this.status = to;
  }

  /** A stage run's current status as this transition sees it ('new': not reached). */
  runStatus(stage: number): StageRunStatus | 'new' {
    return this.runs.get(stage)?.status ?? this.instance.openRuns.get(stage)?.status ?? (this.redriven.has(stage) ? 'failed' : 'new');
  }

  /**
   * A redrive: the failed instance runs again (`failed → running`) from stage `stage` — its failed
   * run when it has one (`failedRun`), else the stage it failed before reaching.
   */
  redrive(stage: number, failedRun: boolean): void {
    this.setStatus('running');
    this.error = null;
    this.terminatedAt = null;
    if (failedRun) this.redriven.add(stage);
  }

  /** Reaches stage `stage`: a new stage run, `running`. */
  startRun(run: Omit<StageRunChange, 'isNew' | 'status' | 'startedAt' | 'terminatedAt' | 'error' | 'output'>): StageRunChange {
    const from = this.runStatus(run.stage);
    if (!isStageRunTransition(from, 'running')) throw new IllegalTransition(`stage ${run.stage}: ${from} → running`);
    const change: StageRunChange = {
      ...run, isNew: true, status: 'running', startedAt: this.now, terminatedAt: null, error: null, output: null,
      ...(from === 'failed' ? { redrive: true } : {}),
    };
    this.runs.set(run.stage, change);
    return change;
  }

  /**
   * Moves stage run `stage` to `to` (checked against STAGE_RUN_TRANSITIONS); a terminal status
   * stamps its end (and `error`).
   */
  setRunStatus(stage: number, to: StageRunStatus, error: string | null = null): StageRunChange {
    const from = this.runStatus(stage);
    if (!isStageRunTransition(from, to)) throw new IllegalTransition(`instance ${this.instance.id} stage ${stage}: ${from} → ${to}`);
    let run = this.runs.get(stage);
    if (!run) {
      run = {
        stage, isNew: false, kind: '', historyName: '', input: null, status: to,
        startedAt: this.instance.openRuns.get(stage)?.startedAt ?? this.now, terminatedAt: null, error: null, output: null,
      };
      this.runs.set(stage, run);
    }
    run.status = to;
    if (to === 'succeeded' || to === 'failed' || to === 'canceled') {
      run.terminatedAt = this.now;
      run.error = error;
    }
    return run;
  }

  /** A lifecycle event (app `orchestration`, version `v2`) of this transition. */
  emit(type: LifecycleType, payload: Record<string, unknown>): void {
    this.publish(type, payload, 'v2');
  }

  /**
   * An instance-level lifecycle event (started, succeeded, failed, redriven): the workflow and
   * instance ids, and the instance's metadata when it has some (so a trigger on `FAILED_WORKFLOW`
   * can filter on it: a failure trigger), and what started it (`triggerID`, `scheduleID`,
   * `eventID`) when it has an origin.
   */
  emitInstance(type: 'STARTED_WORKFLOW' | 'SUCCEEDED_WORKFLOW' | 'FAILED_WORKFLOW' | 'REDRIVEN_WORKFLOW', extra: Record<string, unknown> = {}): void {
    this.emit(type, { id: this.instance.workflowId, instanceID: this.instance.id, ...extra, ...this.context() });
  }

  /**
   * A stage-level lifecycle event (started, succeeded, failed): the stage `number` beside the
   * instance's context (metadata, trigger, schedule, event), so a trigger can filter on it too.
   */
  emitStage(type: 'STARTED_WORKFLOW_STAGE' | 'SUCCEEDED_WORKFLOW_STAGE' | 'FAILED_WORKFLOW_STAGE', stage: number, extra: Record<string, unknown> = {}): void {
    this.emit(type, { id: this.instance.workflowId, instanceID: this.instance.id, number: stage, ...extra, ...this.context() });
  }

  /** What lifecycle events say of the instance beyond its ids: its metadata and origin, when it has them. */
  private context(): Record<string, unknown> {
    const { metadata, origin } = this.instance;
    return {
      ...(metadata && Object.keys(metadata).length > 0 ? { metadata } : {}),
      ...(origin?.triggerId ? { triggerID: origin.triggerId } : {}),
      ...(origin?.scheduleId ? { scheduleID: origin.scheduleId } : {}),
      ...(origin?.eventId ? { eventID: origin.eventId } : {}),
    };
  }

  /** Any event of this transition (app `orchestration`), written with it, published after its commit. */
  publish(type: string, payload: Record<string, unknown>, version = 'v1'): void {
    const id = randomUUID();
    this.events.push({ id, idempotency_key: id, date: this.nowIso, app: 'orchestration', version, type, payload });
  }

  /**
   * A domain event a `publish` stage emits (envelope `app: orchestration`, `version: v1`), one
   * level deeper in the trigger chain than the instance.
   */
  publishDomainEvent(type: string, payload: Record<string, unknown>): void {
    this.publish(type, payload, 'v1');
    this.events[this.events.length - 1].chain_depth = this.instance.chainDepth + 1;
  }
}
