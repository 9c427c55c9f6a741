/**
 * Engine metrics from what a written batch of transitions changed: instances started /
 * succeeded / failed, stage runs ended by kind and status with their duration, and timer lag.
 * Counters only, computed from the in-memory transitions after their write: no SQL, no I/O;
 * counts are summed per batch so a batch costs a few counter updates, not one per row.
 */
import { metrics } from '@wfp/platform';
import { StageRegistry } from './core/stage-resolution';
import { Transition } from './core/transition';

/** Records a claimed timer's lag (due → run). */
export function noteTimerLag(dueAt: Date, runAt: Date): void {
  metrics.timerLag.observe(Math.max(0, runAt.getTime() - dueAt.getTime()) / 1000);
}

/** Counts what a written batch did (`inserted`: ids of the new instances actually inserted). */
export function recordTransitions(batch: readonly Transition[], inserted: ReadonlySet<string>, kinds: StageRegistry): void {
  let started = 0;
  let succeeded = 0;
  let failed = 0;
  let canceled = 0;
  const ended = new Map<string, number>(); // `kind status` → count
  for (const t of batch) {
    if (t.isNew && !inserted.has(t.instance.id)) continue; // lost an idempotency race: nothing written
    if (t.isNew) started++;
    if (t.status === 'succeeded') succeeded++;
    else if (t.status === 'failed') failed++;
    else if (t.status === 'canceled') canceled++;
    for (const run of t.runs.values()) {
      if (run.terminatedAt === null) continue;
      const kind = kindOf(kinds, run.kind, t.instance.stages[run.stage]);
      const key = `${kind} ${run.status}`;
      ended.set(key, (ended.get(key) ?? 0) + 1);
      // A stage started and ended in one transition took no engine time (one clock reading):
      // only stages that spanned a wait are observed.
      const seconds = (run.terminatedAt.getTime() - run.startedAt.getTime()) / 1000;
      if (seconds > 0) metrics.stageDuration.observe({ kind, status: run.status }, seconds);
    }
  }
  if (started) metrics.instancesStarted.inc(started);
  if (succeeded) metrics.instancesSucceeded.inc(succeeded);
  if (failed) metrics.instancesFailed.inc({ reason: 'failed' }, failed);
  if (canceled) metrics.instancesFailed.inc({ reason: 'canceled' }, canceled);
  for (const [key, count] of ended) {
    const [kind, status] = key.split(' ');
    metrics.stagesEnded.inc({ kind, status }, count);
  }
}

/** A registered stage kind name (bounded label values), else `unknown`. */
function kindOf(kinds: StageRegistry, known: string, raw: unknown): string {
  const name = known || (raw && typeof raw === 'object' ? Object.keys(raw)[0] : undefined);
  return name && kinds.has(name) ? name : 'unknown';
}
