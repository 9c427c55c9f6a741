/**
 * The engine's tables for ONE instance, in memory (test-only): applies a committed transition to
 * an instance snapshot the way store/write-transitions.ts writes its rows, so the pure core can be
 * driven command after command without Postgres (the property test in core/commands.model.spec.ts).
 */
import { InstanceSnapshot, Transition } from '../../src/engine/core/transition';
import { StageRunStatus } from '../../src/engine/core/statuses';

/** Every stage run ever reached (the `stage_runs` rows), beside the snapshot's open ones. */
export interface MemoryInstance {
  snapshot: InstanceSnapshot;
  runs: Map<number, { status: StageRunStatus; error: string | null; startedAt: Date }>;
  /** Domain events emitted (`publish` stages), in order. */
  published: string[];
  /** Every lifecycle / domain event type written to the outbox, in order. */
  events: string[];
  nextBufferedId: number;
  /** The instance's error (failed / canceled). */
  error: string | null;
  /** The open bus wait's event type and deadline (the `bus_waits` row beyond the snapshot's part). */
  busWaitInfo: { eventType: string; deadline: Date | null } | null;
  /** The `collect_waits` rows: per wait_for_events stage, its matchers' event types. */
  collecting: Map<number, string[]>;
}

export function memoryInstance(snapshot: InstanceSnapshot): MemoryInstance {
  return { snapshot, runs: new Map(), published: [], events: [], nextBufferedId: 1, error: null, busWaitInfo: null, collecting: new Map() };
}

/** The act system's lease of the due `act` timer (its call in flight). */
export function leaseActTimer(store: MemoryInstance): void {
  if (store.snapshot.timer) store.snapshot = { ...store.snapshot, timer: { ...store.snapshot.timer, leaseId: 'lease' } };
}

/**
 * The bus-wait consumer's collection of an event of `eventType`: one row per matcher of that type
 * of every stage still collecting. Answers the stages that collected something.
 */
export function collectEvent(store: MemoryInstance, eventType: string): number[] {
  const stages: number[] = [];
  const collected = [...(store.snapshot.collected ?? [])];
  for (const [stage, types] of [...store.collecting].sort(([a], [b]) => a - b)) {
    types.forEach((type, matcher) => {
      if (type !== eventType) return;
      collected.push({ stage, matcher, payload: {} });
      if (!stages.includes(stage)) stages.push(stage);
    });
  }
  store.snapshot = { ...store.snapshot, collected };
  return stages;
}

/** Applies the transition's final states (what the batch statement writes). */
export function applyTransition(store: MemoryInstance, t: Transition): void {
  const before = store.snapshot;
  for (const run of t.runs.values()) {
    const existing = store.runs.get(run.stage);
    store.runs.set(run.stage, { status: run.status, error: run.error, startedAt: run.isNew || !existing ? run.startedAt : existing.startedAt });
  }
  const openRuns = new Map([...store.runs].filter(([, run]) => !['succeeded', 'failed', 'canceled'].includes(run.status)).map(([stage, run]) => [stage, { status: run.status, startedAt: run.startedAt }]));
  let buffered = before.buffered.filter((event) => !t.consumedBuffered.includes(event.id));
  if (t.dropsBuffered) buffered = [];
  for (const name of t.newBuffered) buffered = [...buffered, { id: String(store.nextBufferedId++), name }];
  let timer = before.timer;
  if (t.timer) timer = { ...t.timer, leaseId: null };
  else if (t.clearsTimer) timer = null;
  let wait = before.wait;
  let busWait = before.busWait;
  if (t.clearsWaits) {
    wait = null;
    busWait = null;
    store.busWaitInfo = null;
  }
  if (t.wait) wait = { stage: t.wait.stage, event: t.wait.event, deadline: t.wait.deadline ?? null, onTimeout: t.wait.onTimeout ?? null };
  if (t.busWait) {
    busWait = { stage: t.busWait.stage, onEvent: t.busWait.onEvent, onTimeout: t.busWait.onTimeout };
    store.busWaitInfo = { eventType: t.busWait.eventType, deadline: t.busWait.deadline };
  }
  store.error = t.error;
  // As the unit of work writes them: ended stages stop collecting, then new matchers are recorded;
  // an ended instance drops its matchers and what they collected.
  let collected = before.collected ?? [];
  for (const stage of t.collectDone) store.collecting.delete(stage);
  if (t.status !== 'running') {
    store.collecting.clear();
    collected = [];
  } else {
    for (const w of t.collectWaits.filter((c) => !t.collectDone.includes(c.stage))) {
      const types = store.collecting.get(w.stage) ?? [];
      types[w.matcher] = w.eventType;
      store.collecting.set(w.stage, types);
    }
  }
  store.snapshot = {
    ...before,
    collected,
    cancelRequestedBy: t.cancelRequestedBy ?? before.cancelRequestedBy ?? null,
    status: t.status,
    variables: t.instance.variables,
    buffered,
    openRuns,
    timer,
    wait,
    busWait,
  };
  for (const event of t.events) {
    store.events.push(event.type);
    if (event.version === 'v1') store.published.push(event.type);
  }
}
