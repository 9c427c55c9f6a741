/**
 * Engine metrics from what a committed batch of transitions changed: instances started /
 * succeeded / failed, stage runs ended by kind and status with their duration, and timer lag.
 * Counters only, computed from the in-memory transitions after their write: no SQL, no I/O.
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
  for (const t of batch) {
    if (t.isNew && !inserted.has(t.instance.id)) continue; // lost an idempotency race: nothing written
    if (t.isNew) metrics.instancesStarted.inc();
    if (t.status === 'succeeded') metrics.instancesSucceeded.inc();
    else if (t.status === 'failed' || t.status === 'canceled') metrics.instancesFailed.inc({ reason: t.status });
    const claimed = claimedStageStarts.get(t);
    for (const run of t.runs.values()) {
      if (run.terminatedAt === null) continue;
      const kind = kindOf(run.kind, t.instance.stages[run.stage]);
      metrics.stagesEnded.inc({ kind, status: run.status });
      const startedAt = run.isNew ? run.startedAt : claimed?.stage === run.stage ? claimed.startedAt : undefined;
      if (startedAt) {
        metrics.stageDuration.observe({ kind, status: run.status }, Math.max(0, run.terminatedAt.getTime() - startedAt.getTime()) / 1000);
      }
    }
  }
}

/** A registered stage kind name (bounded label values), else `unknown`. */
function kindOf(known: string, raw: unknown): string {
  const name = known || (raw && typeof raw === 'object' ? Object.keys(raw)[0] : undefined);
  return name && STAGE_KINDS.has(name) ? name : 'unknown';
}
