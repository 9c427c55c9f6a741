import { randomUUID } from 'node:crypto';
import { InstanceStatus, StageRunStatus, TimerAction } from './statuses';

/** An instance as a transition sees it (loaded by the claim, or being created by a start). */
export interface LiveInstance {
  id: string;
  workflowId: string;
  stages: readonly unknown[];
  variables: Record<string, string>;
  createdAt: Date;
  /** Only for an instance created by this transition. */
  idempotencyKey?: string | null;
  /** Events sent before a `wait_event` asked for them, oldest first. */
  buffered: Array<{ id: string; name: string }>;
  /** Depth of the trigger chain that started the instance (events it publishes are one deeper). */
  chainDepth?: number;
}

/** A `wait_for_event` wait to record (bus-waits/bus-wait-matcher.ts `insertBusWait`). */
export interface BusWaitChange {
  stage: number;
  eventType: string;
  condition: string | null;
  onEvent: 'continue' | 'succeed';
  onTimeout: 'fail' | 'continue' | 'succeed';
  saveAs: string | null;
  deadline: Date | null;
}

export type LifecycleType =
  | 'STARTED_WORKFLOW'
  | 'SUCCEEDED_WORKFLOW'
  | 'FAILED_WORKFLOW'
  | 'STARTED_WORKFLOW_STAGE'
  | 'SUCCEEDED_WORKFLOW_STAGE'
  | 'FAILED_WORKFLOW_STAGE';

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
}

export interface TimerChange {
  stage: number;
  action: TimerAction;
  dueAt: Date;
  attempt: number;
}

/**
 * Everything one instance's transition changes, accumulated in memory while the engine runs the
 * instance inline until its first real wait; the batch writer turns many of them into a few
 * set-based statements. Only final states are kept (a stage started and finished in the same
 * transition is one INSERT), so a batch never touches a row twice.
 */
export class Transition {
  status: InstanceStatus = 'running';
  error: string | null = null;
  terminatedAt: Date | null = null;
  variablesChanged = false;
  /** undefined: untouched; null: delete the instance's timer; else upsert it. */
  timer: TimerChange | null | undefined = undefined;
  wait: { stage: number; event: string; deadline?: Date; onTimeout?: 'fail' | 'continue' } | undefined;
  /** Deletes the instance's `waits` and `bus_waits` rows. */
  deleteWait = false;
  /** A bus wait to record (written after the batch statement, under its event type's lock). */
  busWait: BusWaitChange | undefined;
  consumedBuffered: string[] = [];
  dropBuffered = false;
  readonly runs = new Map<number, StageRunChange>();
  /** The transition's events in order; written as ONE outbox row (an array) with the transition. */
  readonly events: OutboxEnvelope[] = [];

  constructor(
    readonly instance: LiveInstance,
    readonly now: Date,
    /** true when this transition creates the instance (a start). */
    readonly isNew: boolean,
  ) {
    this.nowIso = now.toISOString();
  }

  /** `now` as RFC 3339 (computed once: every event and row of the transition carries it). */
  readonly nowIso: string;

  get terminated(): boolean {
    return this.status !== 'running';
  }

  /** A lifecycle event (app `orchestration`, version `v2`) of this transition. */
  emit(type: LifecycleType, payload: Record<string, unknown>): void {
    this.publish(type, payload, 'v2');
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
    this.events[this.events.length - 1].chain_depth = (this.instance.chainDepth ?? 0) + 1;
  }

  /** A stage run known to exist in the database (for updates of earlier transitions' runs). */
  existingRun(stage: number, status: StageRunStatus): StageRunChange {
    let run = this.runs.get(stage);
    if (!run) {
      run = {
        stage, isNew: false, kind: '', historyName: '', input: null, status,
        startedAt: this.now, terminatedAt: null, error: null, output: null,
      };
      this.runs.set(stage, run);
    }
    return run;
  }
}
