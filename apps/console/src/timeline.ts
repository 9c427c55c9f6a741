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

/** Stage kinds that wait for something outside the instance (an event, a timer, the bus). */
const WAITING_KINDS = /^(wait|delay)/;

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
    } else if (WAITING_KINDS.test(kind)) {
      state = 'waiting';
      const input = entry?.input ?? {};
      detail = typeof input.event === 'string' ? `event “${input.event}”` : typeof input.duration === 'string' ? `timer ${input.duration}` : typeof input.until === 'string' ? `until ${input.until}` : undefined;
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
