/**
 * The stage timeline of an instance: one bar per stage of its workflow, its state derived from
 * the instance's stage statuses, its history and each stage's attempts (pure, unit-sized).
 */
import type { InstanceHistory, StageHistory, WorkflowInstance } from './api';

export type StageState = 'pending' | 'waiting' | 'running' | 'retrying' | 'succeeded' | 'failed';

export interface StageBar {
  index: number;
  kind: string;
  state: StageState;
  startedAt?: string;
  terminatedAt?: string;
  error?: string;
  /** What the stage waits for (event name, timer), when waiting. */
  detail?: string;
  input?: Record<string, unknown>;
  attempts: StageHistory[];
  /** Bar geometry in percent of the timeline's span. */
  left: number;
  width: number;
}

/**
 * Stage kinds that wait for something outside the instance (a timer, an event sent to it, one or
 * several bus events): the same list as `WAITING_STAGE_KINDS` in libs/contracts (the console
 * imports types only, so it is repeated here).
 */
export const WAITING_KINDS: ReadonlySet<string> = new Set(['delay', 'wait_event', 'wait_for_event', 'wait_for_events']);

/**
 * What a waiting stage waits for, from its resolved input (its history entry): `event “approved”`
 * (wait_event, wait_for_event), `all of order.paid, order.packed` / `any of …` / `2 of …`
 * (wait_for_events), `timer 5s`, `until …` (delay).
 */
export function waitDetail(kind: string, input: Record<string, unknown>): string | undefined {
  if (kind === 'wait_for_events' && Array.isArray(input.events)) {
    const types = input.events.map((m) => (m && typeof m === 'object' && typeof (m as { type?: unknown }).type === 'string' ? (m as { type: string }).type : '?'));
    const mode = typeof input.mode === 'string' ? input.mode : 'all';
    const count = /^count\((\d+)\)$/.exec(mode);
    const need = count ? `${count[1]} of` : mode === 'any' ? 'any of' : 'all of';
    return `${need} ${types.join(', ')}${typeof input.timeout === 'string' ? ` (timeout ${input.timeout})` : ''}`;
  }
  if (typeof input.event === 'string') return `event “${input.event}”`;
  if (kind === 'wait_for_event' && typeof input.type === 'string') return `event “${input.type}”`;
  if (typeof input.duration === 'string') return `timer ${input.duration}`;
  if (typeof input.until === 'string') return `until ${input.until}`;
  return undefined;
}

function kindOf(stage: unknown): string {
  return stage && typeof stage === 'object' ? (Object.keys(stage)[0] ?? '?') : '?';
}

export function buildTimeline(
  instance: WorkflowInstance,
  history: InstanceHistory[],
  attempts: Record<number, StageHistory[]>,
  now: number,
): { bars: StageBar[]; start: number; end: number } {
  const stages = (instance.workflow?.config.stages ?? []) as unknown[];
  const statuses = new Map((instance.status ?? []).map((s) => [s.stage, s]));
  const count = Math.max(stages.length, ...[...statuses.keys()].map((n) => n + 1), 0);
  const start = Date.parse(instance.createdAt);
  const end = instance.terminatedAt ? Date.parse(instance.terminatedAt) : now;
  const span = Math.max(end - start, 1);
  const bars: StageBar[] = [];
  for (let index = 0; index < count; index++) {
    const status = statuses.get(index);
    const kind = kindOf(stages[index]);
    const entry = history[index];
    const tries = attempts[index] ?? [];
    const last = tries[tries.length - 1];
    let state: StageState;
    let detail: string | undefined;
    if (!status) state = 'pending';
    else if (status.terminatedAt) state = status.error ? 'failed' : 'succeeded';
    else if (instance.terminated) state = 'failed';
    else if (last && !last.terminated && (last.lastFailure || last.nextExecution)) {
      state = 'retrying';
      detail = last.nextExecution ? `next attempt at ${last.nextExecution}` : undefined;
    } else if (WAITING_KINDS.has(kind)) {
      state = 'waiting';
      detail = waitDetail(kind, entry?.input ?? {});
    } else state = 'running';
    const s = status ? Date.parse(status.startedAt) : NaN;
    const e = status?.terminatedAt ? Date.parse(status.terminatedAt) : end;
    const left = Number.isNaN(s) ? 0 : Math.min(100, Math.max(0, ((s - start) / span) * 100));
    const width = Number.isNaN(s) ? 0 : Math.max(0.8, Math.min(100 - left, ((e - s) / span) * 100));
    bars.push({
      index,
      kind,
      state,
      startedAt: status?.startedAt,
      terminatedAt: status?.terminatedAt,
      error: status?.error ?? (state === 'failed' && !status?.terminatedAt ? instance.error : undefined),
      detail,
      input: entry?.input,
      attempts: tries,
      left,
      width,
    });
  }
  return { bars, start, end };
}

/** The instance's overall state for lists. */
export function instanceState(instance: WorkflowInstance): 'running' | 'succeeded' | 'failed' {
  if (!instance.terminated) return 'running';
  return instance.error ? 'failed' : 'succeeded';
}
