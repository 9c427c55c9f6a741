import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, Clock, CLOCK, metrics } from '@wfp/platform';
import type { TriggersConfig } from '../config';
import { ActionResult, TickActions } from './tick-actions';
import { compileStored, StoredDefinition } from './schedule-definition';
import { ACTION_COLUMNS, ActionRow, OPEN_STATUSES, rowsOf, SCHEDULE_COLUMNS, ScheduleRow } from './schedule-rows';
import { decideOverlap } from './core/overlap-decision';
import { takeDueTicks } from './due-ticks';

/** A pass's hold on a schedule: other replicas leave it alone until `claimed_until` (its lease). */
export interface Claim {
  scheduleId: string;
  token: string;
  /** Clock ms at which the lease written last ends. */
  until: number;
}

/** Actions by result, counted in `wfp_schedule_actions_total` once their transaction committed. */
type Counts = Record<string, number>;

type InstanceEnd = Awaited<ReturnType<TickActions['endOf']>> & object;

/** A call made (no `result`: an abort) or the result of a start. */
interface CallOutcome {
  tick: ActionRow;
  result?: ActionResult;
}

/**
 * Brings one schedule up to `now`. No orchestrator call is made while a transaction is open; a
 * pass holds a claim on the schedule instead (`claimed_by`, `claimed_until`: other replicas leave
 * it alone), and goes in rounds of three steps:
 *
 * 1. **plan**, in a short transaction with the schedule's row locked: settles instances whose end
 *    was seen before their start was recorded (`instance_ends`) or was looked up (step 0); takes
 *    the due ticks (fire time + jitter ≤ now: inside the catch-up window they wait as `buffered`,
 *    older ones are `missed` — not while paused, nor with no remaining actions); decides overlap
 *    on the open ticks (`decideOverlap`) and records the decision: skips, publishes (outbox, in
 *    the transaction), and the orchestrator calls to make as `pending` on the ticks' rows (`start`:
 *    status `running`, `actual_time` set; `abort`: status `canceling`, or `completed` for
 *    terminate_other); advances the schedule's cursor. While paused only trigger-now and backfill
 *    ticks run. Pending calls left by an earlier pass are made first, before any new decision.
 * 2. **call**, with no transaction open: the pending calls, aborts first (start with the tick's
 *    idempotency key; abort of an instance that already ended is fine).
 * 3. **record**, in a short transaction: the instances started (or the refusals, and
 *    pause_on_failure), the calls cleared from `pending`.
 *
 * A pass that dies between 1 and 3 leaves its calls pending: once its lease is over, the next pass
 * (any replica) makes them again — the same idempotency keys, so the same instances. Step 0, before
 * step 1: instances that hold back a waiting tick and whose end is overdue (no end event for
 * SCHEDULES_RECONCILE_AFTER_MS: it may have been lost) are looked up in the orchestrator.
 */
@Injectable()
export class ScheduleEvaluator {
  private readonly maxTicks: number;
  private readonly reconcileAfterMs: number;
  private readonly callTimeoutMs: number;
  /** A lease covers one orchestrator call (bounded by its timeout) and a margin; renewed between calls. */
  private readonly leaseMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly actions: TickActions,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) config: TriggersConfig,
  ) {
    this.maxTicks = config.SCHEDULES_MAX_TICKS_PER_PASS;
    this.reconcileAfterMs = config.SCHEDULES_RECONCILE_AFTER_MS;
    this.callTimeoutMs = config.TRIGGERS_ORCHESTRATOR_TIMEOUT_MS;
    this.leaseMs = config.TRIGGERS_ORCHESTRATOR_TIMEOUT_MS + 1000;
  }

  /**
   * Claims one schedule that is due (`next_action_at` ≤ now, not paused), woken, or left with a
   * lapsed claim (its pass died), and not claimed by a pass in force; the row is taken with
   * `SKIP LOCKED`, so replicas never wait for each other. Undefined when there is none.
   */
  async claimDue(now: Date, excluded: string[]): Promise<Claim | undefined> {
    return this.claimWhere(
      `id = (SELECT id FROM schedules.schedules
              WHERE deleted_at IS NULL AND ((NOT paused AND next_action_at <= $3) OR wake OR claimed_until IS NOT NULL)
                AND (claimed_until IS NULL OR claimed_until <= $3) AND NOT (id = ANY($4::uuid[]))
              ORDER BY next_action_at NULLS FIRST LIMIT 1 FOR UPDATE SKIP LOCKED)`,
      [now, excluded],
    );
  }

  /** Claims that schedule, unless it is deleted or a pass holds it (then undefined). */
  async claim(scheduleId: string, now: Date): Promise<Claim | undefined> {
    return this.claimWhere(`id = $3 AND deleted_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $4)`, [scheduleId, now]);
  }

  /**
   * Runs a pass on a claimed schedule, then releases the claim. Throws when the orchestrator did
   * not answer (the schedule is left woken, its calls pending: a later pass retries them).
   */
  async evaluate(claim: Claim, now: Date): Promise<void> {
    let failed = true;
    try {
      for (let round = 0; round < this.maxTicks; round++) {
        const ends = await this.overdueEnds(claim.scheduleId, now);
        const plan = await this.dataSource.transaction((manager) => this.plan(manager, claim, ends, now));
        if (!plan) break;
        countMetrics(plan.counts, plan.missed);
        const { outcomes, failure } = await this.call(claim, plan.definition, plan.calls);
        const recorded = outcomes.length > 0 ? await this.dataSource.transaction((manager) => this.record(manager, claim.scheduleId, outcomes, now)) : { endedAtOnce: false, counts: {} };
        countMetrics(recorded.counts, 0);
        if (failure !== undefined) throw failure;
        // Made an earlier pass's calls: now decide. An instance ended within its start: a waiting tick may start.
        if (!plan.madeLeftovers && (!recorded.endedAtOnce || plan.kept === 0)) break;
      }
      failed = false;
    } finally {
      await this.dataSource.query(
        `UPDATE schedules.schedules SET claimed_by = NULL, claimed_until = NULL${failed ? ', wake = true' : ''} WHERE id = $1 AND claimed_by = $2`,
        [claim.scheduleId, claim.token],
      );
    }
  }

  private async claimWhere(condition: string, params: unknown[]): Promise<Claim | undefined> {
    const token = randomUUID();
    const until = this.clock.now().getTime() + this.leaseMs;
    const [claimed] = await this.dataSource
      .query(`UPDATE schedules.schedules SET claimed_by = $1, claimed_until = $2 WHERE ${condition} RETURNING id`, [token, new Date(until), ...params])
      .then(rowsOf<{ id: string }>);
    return claimed ? { scheduleId: claimed.id, token, until } : undefined;
  }

  /** Step 1 (see the class). Undefined when the schedule was deleted. */
  private async plan(
    manager: EntityManager,
    claim: Claim,
    ends: Map<string, InstanceEnd>,
    now: Date,
  ): Promise<{ definition: StoredDefinition; calls: ActionRow[]; kept: number; madeLeftovers: boolean; missed: number; counts: Counts } | undefined> {
    const scheduleId = claim.scheduleId;
    const [row]: ScheduleRow[] = await manager.query(
      `SELECT ${SCHEDULE_COLUMNS} FROM schedules.schedules WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`,
      [scheduleId],
    );
    if (!row) return undefined;
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
    for (const [instanceId, end] of ends) {
      const [settled] = await manager
        .query(
          `UPDATE schedules.actions SET status = 'completed', outcome = $3, ended_at = $4, reason = $5, pending = NULL
            WHERE schedule_id = $1 AND instance_id = $2 AND status IN ('running', 'canceling') RETURNING scheduled_time`,
          [scheduleId, instanceId, end.outcome, now, end.reason ?? null],
        )
        .then(rowsOf<{ scheduled_time: Date }>);
      if (settled && end.outcome === 'failed') pauseOnFailure(`instance ${instanceId} (scheduled ${settled.scheduled_time.toISOString()}) failed: ${end.reason ?? ''}`);
    }

    const { compiled, catchupWindowMs } = compileStored(row.definition);
    const cursor = { next: row.next_scheduled_at, nextAction: row.next_action_at };
    const missed = await takeDueTicks(manager, row, compiled, catchupWindowMs, cursor, now, this.maxTicks);

    const pendingCalls = () =>
      manager.query(
        `SELECT ${ACTION_COLUMNS} FROM schedules.actions WHERE schedule_id = $1 AND pending IS NOT NULL ORDER BY pending = 'start', scheduled_time FOR UPDATE`,
        [scheduleId],
      ) as Promise<ActionRow[]>;
    let calls = await pendingCalls();
    const madeLeftovers = calls.length > 0;
    let remaining = row.remaining_actions;
    let kept = 0;
    let counts: Counts = {};
    if (!madeLeftovers) {
      const decided = await this.decide(manager, row, paused, remaining, now);
      ({ remaining, kept, counts } = decided);
      calls = await pendingCalls();
    }

    const exhausted = remaining === 0;
    claim.until = this.clock.now().getTime() + this.leaseMs;
    await manager.query(
      `UPDATE schedules.schedules
          SET next_scheduled_at = $2, next_action_at = $3, remaining_actions = $4, wake = false, paused = $5, note = $6,
              missed_catchup_window = missed_catchup_window + $7, claimed_until = $8
        WHERE id = $1`,
      [scheduleId, exhausted ? null : cursor.next, exhausted ? null : cursor.nextAction, remaining, paused, note, missed, new Date(claim.until)],
    );
    return { definition: row.definition, calls, kept, madeLeftovers, missed, counts };
  }

  /** The overlap decision on the open ticks, recorded (the orchestrator calls as pending). */
  private async decide(
    manager: EntityManager,
    row: ScheduleRow,
    paused: boolean,
    remaining: number | null,
    now: Date,
  ): Promise<{ remaining: number | null; kept: number; counts: Counts }> {
    const scheduleId = row.id;
    const publishes = row.definition.action.publish !== undefined;
    const open: ActionRow[] = await manager.query(
      `SELECT ${ACTION_COLUMNS} FROM schedules.actions WHERE schedule_id = $1 AND status = ANY($2::text[]) ORDER BY scheduled_time, seq FOR UPDATE`,
      [scheduleId, OPEN_STATUSES],
    );
    const byKey = new Map(open.map((action) => [action.scheduled_time.toISOString(), action]));
    const decision = decideOverlap(
      open.filter((a) => a.status !== 'buffered').map((a) => ({ key: a.scheduled_time.toISOString(), status: a.status as 'running' | 'canceling' })),
      open
        .filter((a) => a.status === 'buffered' && !(paused && a.source === 'schedule'))
        // A publish action has no instance: nothing to overlap with, every tick publishes.
        .map((a) => ({ key: a.scheduled_time.toISOString(), overlap: publishes ? ('allow_all' as const) : a.overlap, counted: a.source === 'schedule' })),
      remaining,
    );

    const counts: Counts = {};
    const count = (result: string) => (counts[result] = (counts[result] ?? 0) + 1);
    for (const key of decision.cancel) {
      await this.update(manager, byKey.get(key)!, { status: 'canceling', pending: 'abort' });
      count('canceled');
    }
    for (const key of decision.terminate) {
      await this.update(manager, byKey.get(key)!, { status: 'completed', outcome: 'canceled', ended_at: now, reason: 'terminated by a later tick (overlap terminate_other)', pending: 'abort' });
      count('terminated');
    }
    for (const { key, reason } of decision.skip) {
      await this.update(manager, byKey.get(key)!, { status: 'skipped', reason });
      count('skipped');
    }
    for (const key of decision.start) {
      const tick = byKey.get(key)!;
      if (publishes) {
        const result = await this.actions.publish(manager, scheduleId, row.definition, tick, now);
        await this.update(manager, tick, { actual_time: now, ...resultColumns(result, now) });
        count('published');
      } else {
        await this.update(manager, tick, { status: 'running', actual_time: now, pending: 'start' });
      }
    }
    return { remaining: decision.remaining, kept: decision.keep.length, counts };
  }

  /** Step 2: the pending calls, in order, until one is not answered (`failure`). */
  private async call(claim: Claim, definition: StoredDefinition, calls: ActionRow[]): Promise<{ outcomes: CallOutcome[]; failure?: unknown }> {
    const outcomes: CallOutcome[] = [];
    for (const tick of calls) {
      try {
        await this.renew(claim);
        if (tick.pending === 'abort') {
          await this.actions.abort(tick.instance_id!);
          outcomes.push({ tick });
        } else {
          outcomes.push({ tick, result: await this.actions.start(claim.scheduleId, definition, tick) });
        }
      } catch (failure) {
        return { outcomes, failure: failure ?? new Error('orchestrator call failed') };
      }
    }
    return { outcomes };
  }

  /** Extends the lease when less than a call's timeout is left (a replica working keeps its schedule). */
  private async renew(claim: Claim): Promise<void> {
    const now = this.clock.now().getTime();
    if (claim.until - now >= this.callTimeoutMs) return;
    claim.until = now + this.leaseMs;
    await this.dataSource.query(`UPDATE schedules.schedules SET claimed_until = $3 WHERE id = $1 AND claimed_by = $2`, [claim.scheduleId, claim.token, new Date(claim.until)]);
  }

  /** Step 3: what the calls did. Returns whether an instance ended within its start (or its start was refused). */
  private async record(manager: EntityManager, scheduleId: string, outcomes: CallOutcome[], now: Date): Promise<{ endedAtOnce: boolean; counts: Counts }> {
    const counts: Counts = {};
    // The schedule's row first, then its actions: the order of the other writers (no deadlock).
    const [schedule]: Array<Pick<ScheduleRow, 'definition' | 'paused'>> = await manager.query(`SELECT definition, paused FROM schedules.schedules WHERE id = $1 FOR UPDATE`, [scheduleId]);
    let pause: string | undefined;
    let endedAtOnce = false;
    for (const { tick, result } of outcomes) {
      const key = tick.scheduled_time.toISOString();
      if (!result) {
        await manager.query(`UPDATE schedules.actions SET pending = NULL WHERE schedule_id = $1 AND scheduled_time = $2 AND pending = 'abort'`, [scheduleId, tick.scheduled_time]);
        continue;
      }
      const recorded = await this.update(manager, tick, { ...resultColumns(result, now), pending: null }, `pending = 'start'`);
      if (!recorded) continue; // another pass (after this one's lease) recorded it
      const counted = result.status === 'failed' ? 'failed' : 'started';
      counts[counted] = (counts[counted] ?? 0) + 1;
      if (result.status === 'failed') pause ??= `the start of the tick scheduled ${key} failed: ${result.reason}`;
      if (result.status === 'completed' && result.outcome === 'failed') pause ??= `instance ${result.instanceId} (scheduled ${key}) failed: ${result.reason ?? ''}`;
      if (result.status === 'completed' || result.status === 'failed') endedAtOnce = true;
    }
    if (pause && schedule?.definition.pause_on_failure && !schedule.paused) {
      await manager.query(`UPDATE schedules.schedules SET paused = true, note = $2 WHERE id = $1`, [scheduleId, `paused on failure: ${pause}`]);
    }
    return { endedAtOnce, counts };
  }

  /**
   * Step 0, before the transaction: instances that would hold back a waiting tick and whose end
   * is overdue, looked up in the orchestrator; the ended ones (step 1 settles them).
   */
  private async overdueEnds(scheduleId: string, now: Date): Promise<Map<string, InstanceEnd>> {
    const ends = new Map<string, InstanceEnd>();
    if (this.reconcileAfterMs === 0) return ends;
    const open: ActionRow[] = await this.dataSource.query(`SELECT ${ACTION_COLUMNS} FROM schedules.actions WHERE schedule_id = $1 AND status = ANY($2::text[])`, [
      scheduleId,
      OPEN_STATUSES,
    ]);
    if (!open.some((a) => a.status === 'buffered')) return ends;
    const overdue = open.filter((a) => a.status !== 'buffered' && a.instance_id && a.actual_time && now.getTime() - a.actual_time.getTime() >= this.reconcileAfterMs);
    for (const action of overdue) {
      const end = await this.actions.endOf(action.instance_id!);
      if (end) ends.set(action.instance_id!, end);
    }
    return ends;
  }

  /** Running ticks whose instance's end arrived before the start was recorded. */
  private async settleEarlyEnds(manager: EntityManager, scheduleId: string): Promise<ActionRow[]> {
    const settled: ActionRow[] = await manager.query(
      `UPDATE schedules.actions a
          SET status = 'completed', outcome = e.outcome, ended_at = e.ended_at, reason = e.error, pending = NULL
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

  /** Updates a tick's row (when `guard` holds); whether it did. */
  private async update(manager: EntityManager, action: ActionRow, columns: Partial<Omit<ActionRow, 'schedule_id' | 'scheduled_time' | 'seq'>>, guard?: string): Promise<boolean> {
    const entries = Object.entries(columns);
    const updated = await manager
      .query(
        `UPDATE schedules.actions SET ${entries.map(([column], i) => `${column} = $${i + 3}`).join(', ')}
          WHERE schedule_id = $1 AND scheduled_time = $2${guard ? ` AND ${guard}` : ''} RETURNING seq`,
        [action.schedule_id, action.scheduled_time, ...entries.map(([, value]) => value)],
      )
      .then(rowsOf);
    return updated.length > 0;
  }
}

function countMetrics(counts: Counts, missed: number): void {
  if (missed > 0) metrics.scheduleMissedCatchupWindow.inc(missed);
  for (const [result, n] of Object.entries(counts)) metrics.scheduleActions.inc({ result }, n);
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
