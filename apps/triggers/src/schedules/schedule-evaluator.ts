import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG, metrics } from '@wfp/platform';
import type { TriggersConfig } from '../config';
import { ActionResult, TickActions } from './tick-actions';
import { compileStored } from './schedule-definition';
import { ACTION_COLUMNS, ActionRow, OPEN_STATUSES, rowsOf, SCHEDULE_COLUMNS, ScheduleRow } from './schedule-rows';
import { decideOverlap } from './core/overlap-decision';
import { takeDueTicks } from './due-ticks';

export interface Evaluation {
  /** Call after the transaction committed: counts the metrics of what it did. */
  countMetrics(): void;
}

/**
 * Brings one schedule up to `now`, in the caller's transaction, its row locked (`FOR UPDATE`) for
 * the whole pass — so two replicas never take the same tick (the due loop picks schedules with
 * `SKIP LOCKED`), and a crash rolls the pass back whole (the ticks are taken again, and their
 * actions are idempotent on (schedule, scheduled time)):
 *
 * 1. settles instances whose end was seen before their start was recorded (`instance_ends`);
 * 2. takes the due ticks (fire time + jitter ≤ now): inside the catch-up window they wait as
 *    `buffered`, older ones are `missed` (counted; the latest kept as rows). Not while paused,
 *    nor with no remaining actions;
 * 3. decides overlap on the schedule's open ticks (`decideOverlap`) and applies it: aborts,
 *    skips, and starts (workflow or publish). While paused only trigger-now and backfill ticks run.
 */
@Injectable()
export class ScheduleEvaluator {
  private readonly maxTicks: number;
  private readonly reconcileAfterMs: number;

  constructor(
    private readonly actions: TickActions,
    @Inject(APP_CONFIG) config: TriggersConfig,
  ) {
    this.maxTicks = config.SCHEDULES_MAX_TICKS_PER_PASS;
    this.reconcileAfterMs = config.SCHEDULES_RECONCILE_AFTER_MS;
  }

  async evaluate(manager: EntityManager, scheduleId: string, now: Date): Promise<Evaluation | undefined> {
    const [row]: ScheduleRow[] = await manager.query(
      `SELECT ${SCHEDULE_COLUMNS} FROM schedules.schedules WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`,
      [scheduleId],
    );
    if (!row) return undefined;
    const counts: Record<string, number> = {};
    const count = (result: string) => (counts[result] = (counts[result] ?? 0) + 1);
    let paused = row.paused;
    let note = row.note;
    const pauseOnFailure = (reason: string) => {
      if (!row.definition.pause_on_failure || paused) return;
      paused = true;
      note = `paused on failure: ${reason}`;
    };

    for (const ended of await this.settleEarlyEnds(manager, scheduleId)) {
      if (ended.outcome === 'failed') pauseOnFailure(`instance ${ended.instance_id} (scheduled ${ended.scheduled_time.toISOString()}) failed: ${ended.reason ?? ''}`);
    }

    const { compiled, catchupWindowMs } = compileStored(row.definition);
    const cursor = { next: row.next_scheduled_at, nextAction: row.next_action_at };
    const missed = await takeDueTicks(manager, row, compiled, catchupWindowMs, cursor, now, this.maxTicks);

    let remaining = row.remaining_actions;
    // Decide and apply until nothing more can start now (an instance may end within its start).
    for (let round = 0; round < this.maxTicks; round++) {
      const outcome = await this.decideAndApply(manager, row, paused, remaining, now, count, pauseOnFailure);
      remaining = outcome.remaining;
      if (!outcome.endedAtOnce || outcome.kept === 0) break;
    }

    const exhausted = remaining === 0;
    await manager.query(
      `UPDATE schedules.schedules
          SET next_scheduled_at = $2, next_action_at = $3, remaining_actions = $4, wake = false, paused = $5, note = $6,
              missed_catchup_window = missed_catchup_window + $7
        WHERE id = $1`,
      [scheduleId, exhausted ? null : cursor.next, exhausted ? null : cursor.nextAction, remaining, paused, note, missed],
    );
    return {
      countMetrics() {
        if (missed > 0) metrics.scheduleMissedCatchupWindow.inc(missed);
        for (const [result, n] of Object.entries(counts)) metrics.scheduleActions.inc({ result }, n);
      },
    };
  }

  /** Step 3, once: the overlap decision on the open ticks, applied. */
  private async decideAndApply(
    manager: EntityManager,
    row: ScheduleRow,
    paused: boolean,
    remaining: number | null,
    now: Date,
    count: (result: string) => void,
    pauseOnFailure: (reason: string) => void,
  ): Promise<{ remaining: number | null; kept: number; endedAtOnce: boolean }> {
    const scheduleId = row.id;
    const publishes = row.definition.action.publish !== undefined;
    let endedAtOnce = false;
    const locked: ActionRow[] = await manager.query(
      `SELECT ${ACTION_COLUMNS} FROM schedules.actions WHERE schedule_id = $1 AND status = ANY($2::text[]) ORDER BY scheduled_time, seq FOR UPDATE`,
      [scheduleId, OPEN_STATUSES],
    );
    const open = await this.withoutOverdueEnds(manager, locked, now, pauseOnFailure);
    const byKey = new Map(open.map((action) => [action.scheduled_time.toISOString(), action]));
    const decision = decideOverlap(
      open.filter((a) => a.status !== 'buffered').map((a) => ({ key: a.scheduled_time.toISOString(), status: a.status as 'running' | 'canceling' })),
      open
        .filter((a) => a.status === 'buffered' && !(paused && a.source === 'schedule'))
        // A publish action has no instance: nothing to overlap with, every tick publishes.
      .map((a) => ({ key: a.scheduled_time.toISOString(), overlap: publishes ? ('allow_all' as const) : a.overlap, counted: a.source === 'schedule' })),
      remaining,
    );

    // Rows first, then the abort: the end event it causes waits for this pass to commit.
    for (const key of decision.cancel) {
      await this.update(manager, byKey.get(key)!, { status: 'canceling' });
      await this.actions.abort(byKey.get(key)!.instance_id!);
      count('canceled');
    }
    for (const key of decision.terminate) {
      await this.update(manager, byKey.get(key)!, { status: 'completed', outcome: 'canceled', ended_at: now, reason: 'terminated by a later tick (overlap terminate_other)' });
      await this.actions.abort(byKey.get(key)!.instance_id!);
      count('terminated');
    }
    for (const { key, reason } of decision.skip) {
      await this.update(manager, byKey.get(key)!, { status: 'skipped', reason });
      count('skipped');
    }
    for (const key of decision.start) {
      const tick = byKey.get(key)!;
      const result = await this.actions.run(manager, scheduleId, row.definition, tick, now);
      await this.update(manager, tick, { actual_time: now, ...resultColumns(result, now) });
      count(result.status === 'failed' ? 'failed' : result.status === 'published' ? 'published' : 'started');
      if (result.status === 'failed') pauseOnFailure(`the start of the tick scheduled ${key} failed: ${result.reason}`);
      if (result.status === 'completed' || result.status === 'published' || result.status === 'failed') endedAtOnce = true;
      if (result.status === 'completed' && result.outcome === 'failed') pauseOnFailure(`instance ${result.instanceId} (scheduled ${key}) failed: ${result.reason ?? ''}`);
    }
    return { remaining: decision.remaining, kept: decision.keep.length, endedAtOnce };
  }

  /**
   * Instances that would hold back a waiting tick and whose end is overdue (no end event for
   * SCHEDULES_RECONCILE_AFTER_MS: it may have been lost) are looked up in the orchestrator; the
   * ended ones are settled here. Returns the open ticks left.
   */
  private async withoutOverdueEnds(manager: EntityManager, open: ActionRow[], now: Date, pauseOnFailure: (reason: string) => void): Promise<ActionRow[]> {
    if (this.reconcileAfterMs === 0 || !open.some((a) => a.status === 'buffered')) return open;
    const overdue = open.filter((a) => a.status !== 'buffered' && a.instance_id && a.actual_time && now.getTime() - a.actual_time.getTime() >= this.reconcileAfterMs);
    const settled = new Set<ActionRow>();
    for (const action of overdue) {
      const end = await this.actions.endOf(action.instance_id!);
      if (!end) continue;
      await this.update(manager, action, { status: 'completed', outcome: end.outcome, ended_at: now, reason: end.reason ?? null });
      if (end.outcome === 'failed') pauseOnFailure(`instance ${action.instance_id} (scheduled ${action.scheduled_time.toISOString()}) failed: ${end.reason ?? ''}`);
      settled.add(action);
    }
    return open.filter((a) => !settled.has(a));
  }

  /** Step 1: running ticks whose instance's end arrived before the start was recorded. */
  private async settleEarlyEnds(manager: EntityManager, scheduleId: string): Promise<ActionRow[]> {
    const settled: ActionRow[] = await manager.query(
      `UPDATE schedules.actions a
          SET status = 'completed', outcome = e.outcome, ended_at = e.ended_at, reason = e.error
         FROM schedules.instance_ends e
        WHERE a.schedule_id = $1 AND a.status IN ('running', 'canceling') AND a.instance_id = e.instance_id
        RETURNING ${ACTION_COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')}`,
      [scheduleId],
    ).then(rowsOf<ActionRow>);
    if (settled.length > 0) {
      await manager.query(`DELETE FROM schedules.instance_ends WHERE instance_id = ANY($1::text[])`, [settled.map((a) => a.instance_id)]);
    }
    return settled;
  }

  private async update(manager: EntityManager, action: ActionRow, columns: Partial<Omit<ActionRow, 'schedule_id' | 'scheduled_time' | 'seq'>>): Promise<void> {
    const entries = Object.entries(columns);
    await manager.query(
      `UPDATE schedules.actions SET ${entries.map(([column], i) => `${column} = $${i + 3}`).join(', ')} WHERE schedule_id = $1 AND scheduled_time = $2`,
      [action.schedule_id, action.scheduled_time, ...entries.map(([, value]) => value)],
    );
  }
}

function resultColumns(result: ActionResult, now: Date): Partial<ActionRow> {
  switch (result.status) {
    case 'running':
      return { status: 'running', instance_id: result.instanceId };
    case 'completed':
      return { status: 'completed', instance_id: result.instanceId, outcome: result.outcome, ended_at: now, reason: result.reason ?? null };
    case 'published':
      return { status: 'published', event_id: result.eventId };
    case 'failed':
      return { status: 'failed', reason: result.reason };
  }
}
