/**
 * An instance's stages as a timeline in the terminal (`wfp instances watch`, `instances get`):
 * one line per stage of the workflow — done, failed, waiting/running (with how long so far) or
 * not reached yet. Pure: the same instance, workflow and clock give the same lines.
 */
import type { StageStatus, WorkflowInstance } from '@wfp/contracts';

export type StageState = 'succeeded' | 'failed' | 'waiting' | 'running' | 'pending';

export interface TimelineStage {
  index: number;
  kind: string;
  state: StageState;
  detail?: string;
  startedAt?: string;
  terminatedAt?: string;
  durationMs?: number;
  error?: string;
}

export interface Timeline {
  id: string;
  workflowID: string;
  name?: string;
  state: 'running' | 'succeeded' | 'failed';
  error?: string;
  stages: TimelineStage[];
}

/** Stage kinds whose open stage is waiting for time or a signal rather than working. */
const WAITING_KINDS = new Set(['delay', 'wait_event', 'wait_for_event']);

function stageDetail(kind: string, spec: unknown): string | undefined {
  const s = (spec ?? {}) as Record<string, unknown>;
  if (kind === 'delay') return s.duration ? `for ${String(s.duration)}` : s.until ? `until ${String(s.until)}` : undefined;
  if (kind === 'wait_event') return s.event ? `for event "${String(s.event)}"` : undefined;
  if (kind === 'wait_for_event') return s.type ? `for bus event ${String(s.type)}` : undefined;
  if (kind === 'intervention') return s.action ? String(s.action) : undefined;
  if (kind === 'http') return s.url ? `${String(s.method ?? 'GET')} ${String(s.url)}` : undefined;
  if (kind === 'publish') return s.type ? String(s.type) : undefined;
  return undefined;
}

export function buildTimeline(
  instance: WorkflowInstance,
  stages: Array<Record<string, unknown>>,
  now: Date,
  name?: string,
): Timeline {
  const byStage = new Map<number, StageStatus>();
  // The last status of a stage wins (a retried stage is reported again).
  for (const status of instance.status ?? []) byStage.set(status.stage, status);
  const count = Math.max(stages.length, ...[...byStage.keys()].map((k) => k + 1), 0);
  const rows: TimelineStage[] = [];
  for (let index = 0; index < count; index++) {
    const [kind = '?', spec] = Object.entries(stages[index] ?? {})[0] ?? [];
    const status = byStage.get(index);
    const row: TimelineStage = { index, kind, state: 'pending', detail: stageDetail(kind, spec) };
    if (status) {
      row.startedAt = status.startedAt;
      row.terminatedAt = status.terminatedAt;
      const end = status.terminatedAt ? Date.parse(status.terminatedAt) : instance.terminated ? undefined : now.getTime();
      if (end !== undefined) row.durationMs = Math.max(0, end - Date.parse(status.startedAt));
      if (status.error) {
        row.state = 'failed';
        row.error = status.error;
      } else if (status.terminatedAt) row.state = 'succeeded';
      else if (instance.terminated) row.state = instance.error ? 'failed' : 'succeeded';
      else row.state = WAITING_KINDS.has(kind) ? 'waiting' : 'running';
    }
    rows.push(row);
  }
  const state = !instance.terminated ? 'running' : instance.error ? 'failed' : 'succeeded';
  return { id: instance.id, workflowID: instance.workflowID, name, state, error: instance.error, stages: rows };
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  if (minutes < 60) return `${minutes}m${String(seconds).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

const MARK: Record<StageState, string> = { succeeded: '✓', failed: '✗', waiting: '…', running: '▶', pending: '·' };

/** The timeline as text lines (no colours: they would garble logs and pipes). */
export function renderTimeline(timeline: Timeline): string[] {
  const kindWidth = Math.max(4, ...timeline.stages.map((s) => s.kind.length));
  const header = `instance ${timeline.id}${timeline.name ? ` of ${timeline.name}` : ''}: ${timeline.state}${timeline.error ? ` (${timeline.error})` : ''}`;
  const lines = timeline.stages.map((s) => {
    const parts = [`  ${String(s.index).padStart(2)}`, `${MARK[s.state]} ${s.kind.padEnd(kindWidth)}`, s.state.padEnd(9)];
    parts.push(s.durationMs === undefined ? ''.padEnd(7) : formatDuration(s.durationMs).padEnd(7));
    const notes = [s.detail, s.error ? `error: ${s.error}` : undefined].filter(Boolean).join('  ');
    return `${parts.join('  ')}${notes ? `  ${notes}` : ''}`.trimEnd();
  });
  return [header, ...lines];
}
