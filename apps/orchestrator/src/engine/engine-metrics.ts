/**
 * Engine metrics from what a written batch of transitions changed: instances started /
 * succeeded / failed, stage runs ended by kind and status with their duration, and timer lag.
 * Counters only, computed from the in-memory transitions after their write: no SQL, no I/O;
 * counts are summed per batch so a batch costs a few counter updates, not one per row.
 */
import { metrics } from '@wfp/platform';
import { STAGE_KINDS } from './stages/registry';
import { Transition } from './transition';

/** When the stage a claimed timer belongs to started (known to the claim, not to the transition). */
const claimedStageStarts = new WeakMap<Transition, { stage: number; startedAt: Date }>();

/** Records a claimed timer: its lag (due → run) and, for the stage duration, when its stage started. */
export function noteClaimedTimer(t: Transition, timer: { stage: number; dueAt: Date; stageStartedAt: Date | null }, runAt: Date): void {
  metrics.timerLag.observe(Math.max(0, runAt.getTime() - timer.dueAt.getTime()) / 1000);
  if (timer.stageStartedAt) claimedStageStarts.set(t, { stage: timer.stage, startedAt: timer.stageStartedAt });
}

/** Counts what a written batch did (`inserted`: ids of the new instances actually inserted). */
export function recordTransitions(batch: readonly Transition[], inserted: ReadonlySet<string>): void {
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
    const claimed = claimedStageStarts.get(t);
    for (const run of t.runs.values()) {
      if (run.terminatedAt === null) continue;
      const kind = kindOf(run.kind, t.instance.stages[run.stage]);
      const key = `${kind} ${run.status}`;
      ended.set(key, (ended.get(key) ?? 0) + 1);
      // A stage started and ended in one transition took no engine time (one clock reading):
      // only stages that spanned a wait are observed.
      const startedAt = run.isNew ? run.startedAt : claimed?.stage === run.stage ? claimed.startedAt : undefined;
      const seconds = startedAt ? (run.terminatedAt.getTime() - startedAt.getTime()) / 1000 : 0;
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
function kindOf(known: string, raw: unknown): string {
  const name = known || (raw && typeof raw === 'object' ? Object.keys(raw)[0] : undefined);
  return name && STAGE_KINDS.has(name) ? name : 'unknown';
}
