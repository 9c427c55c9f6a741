import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PinoLogger } from 'nestjs-pino';
import {
  backfillBodySchema,
  fail,
  isUuid,
  KeysetPage,
  ok,
  OverlapPolicy,
  pauseBodySchema,
  Reply,
  Schedule,
  ScheduleActionRecord,
  ScheduleDescription,
  triggerScheduleBodySchema,
} from '@wfp/contracts';
import { APP_CONFIG, Clock, CLOCK, EventPublisher, formatIssues, keysetSql } from '@wfp/platform';
import type { TriggersConfig } from '../config';
import { compileStored, validateScheduleBody, ValidSchedule } from './schedule-definition';
import { ACTION_COLUMNS, ActionRow, rowsOf, SCHEDULE_COLUMNS, ScheduleRow, toActionRecord, toSchedule } from './schedule-rows';
import { ScheduleEvaluator } from './schedule-evaluator';
import { dueCursor } from './due-ticks';
import { ScheduleDueLoop } from './schedule-due-loop';
import { fireTimesBetween, nextFireTimes } from './core/fire-times';

const NOT_FOUND = 'schedule not found';

/** The schedule resource's operations (the commands behind `/api/orchestration/v2/schedules`). */
@Injectable()
export class SchedulesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly evaluator: ScheduleEvaluator,
    private readonly dueLoop: ScheduleDueLoop,
    private readonly publisher: EventPublisher,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: TriggersConfig,
    private readonly logger: PinoLogger,
  ) {}

  async create(data: unknown): Promise<Reply<Schedule>> {
    const valid = validateScheduleBody(data);
    if (!valid.ok) return valid.reply;
    const id = randomUUID();
    const now = this.clock.now();
    const cursor = this.cursorFrom(id, valid.value, now);
    const [row]: ScheduleRow[] = await this.dataSource.query(
      `INSERT INTO schedules.schedules (id, name, definition, paused, note, remaining_actions, next_scheduled_at, next_action_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING ${SCHEDULE_COLUMNS}`,
      [id, valid.value.body.name, valid.value.definition, valid.value.body.paused, valid.value.body.note ?? null, valid.value.body.remaining_actions ?? null, cursor.next, cursor.nextAction, now],
    );
    this.dueLoop.nudge();
    return ok(toSchedule(row));
  }

  async list(name: string | undefined, page?: KeysetPage): Promise<Reply<Schedule[]>> {
    const params: unknown[] = [];
    const conditions = ['deleted_at IS NULL'];
    if (name) {
      params.push(`%${name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      conditions.push(`name ILIKE $${params.length}`);
    }
    const keyset = keysetSql(page, { createdAt: 'created_at', id: 'id' }, params);
    if (keyset.condition) conditions.push(keyset.condition);
    const rows: ScheduleRow[] = await this.dataSource.query(
      `SELECT ${SCHEDULE_COLUMNS} FROM schedules.schedules WHERE ${conditions.join(' AND ')} ORDER BY ${keyset.orderBy} ${keyset.limit}`,
      params,
    );
    return ok((keyset.reversed ? rows.reverse() : rows).map(toSchedule));
  }

  async get(id: string): Promise<Reply<Schedule>> {
    const row = await this.live(this.dataSource.manager, id);
    return row ? ok(toSchedule(row)) : fail('NOT_FOUND', NOT_FOUND);
  }

  /** Replaces the definition, name, pause state, note and remaining actions; the next fire time is recomputed from now. */
  async update(id: string, data: unknown): Promise<Reply<Schedule>> {
    const valid = validateScheduleBody(data);
    if (!valid.ok) return valid.reply;
    return this.locked(id, async (manager, _row, now) => {
      const cursor = this.cursorFrom(id, valid.value, now);
      const { body } = valid.value;
      const [updated]: ScheduleRow[] = await manager
        .query(
          `UPDATE schedules.schedules SET name = $2, definition = $3, paused = $4, note = $5, remaining_actions = $6,
                  next_scheduled_at = $7, next_action_at = $8, wake = true, updated_at = $9
            WHERE id = $1 RETURNING ${SCHEDULE_COLUMNS}`,
          [id, body.name, valid.value.definition, body.paused, body.note ?? null, body.remaining_actions ?? null, cursor.next, cursor.nextAction, now],
        )
        .then(rowsOf<ScheduleRow>);
      return ok(toSchedule(updated));
    });
  }

  /** Soft delete: no more ticks (waiting ones are skipped); instances already started run on. */
  async delete(id: string): Promise<Reply<Record<string, never>>> {
    return this.locked(id, async (manager, _row, now) => {
      await manager.query(`UPDATE schedules.schedules SET deleted_at = $2 WHERE id = $1`, [id, now]);
      await manager.query(`UPDATE schedules.actions SET status = 'skipped', reason = 'the schedule was deleted' WHERE schedule_id = $1 AND status = 'buffered'`, [id]);
      return ok({});
    });
  }

  async pause(id: string, data: unknown): Promise<Reply<Schedule>> {
    const body = pauseBodySchema.safeParse(data ?? {});
    if (!body.success) return fail('VALIDATION', formatIssues(body.error));
    return this.setPaused(id, true, body.data.note);
  }

  async unpause(id: string, data: unknown): Promise<Reply<Schedule>> {
    const body = pauseBodySchema.safeParse(data ?? {});
    if (!body.success) return fail('VALIDATION', formatIssues(body.error));
    return this.setPaused(id, false, body.data.note);
  }

  /**
   * Runs the action once now: a tick whose scheduled time is now, with the schedule's overlap
   * policy or `overlap`; works while paused. Answers that tick's action. The tick is added in a
   * short transaction, then a pass runs on the schedule (its orchestrator calls outside any
   * transaction); should another pass hold the schedule, or the orchestrator not answer, the tick
   * is answered as it stands (`buffered`, or `running` with no instance yet) and a due pass runs it.
   */
  async trigger(id: string, data: unknown): Promise<Reply<{ action: ScheduleActionRecord }>> {
    const body = triggerScheduleBodySchema.safeParse(data ?? {});
    if (!body.success) return fail('VALIDATION', formatIssues(body.error));
    const added = await this.locked(id, async (manager, row, now) => {
      await this.insertTicks(manager, id, [now], 'trigger_now', body.data.overlap ?? row.definition.overlap);
      await manager.query(`UPDATE schedules.schedules SET wake = true WHERE id = $1`, [id]);
      return ok(now);
    });
    if (!added.ok) return added;
    const now = added.data;
    const claim = await this.evaluator.claim(id, now);
    if (claim) {
      await this.evaluator.evaluate(claim, now).catch((error: unknown) => this.logger.warn({ err: error, scheduleId: id }, 'trigger-now pass failed; retried by the due loop'));
      this.publisher.flush();
    }
    this.dueLoop.nudge();
    const [action]: ActionRow[] = await this.dataSource.query(`SELECT ${ACTION_COLUMNS} FROM schedules.actions WHERE schedule_id = $1 AND scheduled_time = $2`, [id, now]);
    return ok({ action: toActionRecord(action) });
  }

  /**
   * Adds a tick for every fire time in [from, to) (source `backfill`, overlap `overlap`, default
   * buffer_all). Ticks already there (an earlier backfill, or the schedule itself) are not added
   * again. The catch-up window does not apply; the due loop runs them per their policy.
   */
  async backfill(id: string, data: unknown): Promise<Reply<{ ticks: number; added: number }>> {
    const body = backfillBodySchema.safeParse(data ?? {});
    if (!body.success) return fail('VALIDATION', formatIssues(body.error));
    const from = new Date(body.data.from);
    const to = new Date(body.data.to);
    if (to.getTime() <= from.getTime()) return fail('VALIDATION', 'to: must be after from');
    const reply = await this.locked(id, async (manager, row) => {
      const max = this.config.SCHEDULES_MAX_BACKFILL_TICKS;
      const times = fireTimesBetween(compileStored(row.definition).compiled, from, to, max + 1);
      if (times.length > max) return fail('VALIDATION', `to: [from, to) holds more than ${max} fire times (SCHEDULES_MAX_BACKFILL_TICKS); split the backfill`);
      const added = await this.insertTicks(manager, id, times, 'backfill', body.data.overlap ?? 'buffer_all');
      await manager.query(`UPDATE schedules.schedules SET wake = true WHERE id = $1`, [id]);
      return ok({ ticks: times.length, added });
    });
    this.dueLoop.nudge();
    return reply;
  }

  async describe(id: string, next?: number, recent?: number): Promise<Reply<ScheduleDescription>> {
    const row = await this.live(this.dataSource.manager, id);
    if (!row) return fail('NOT_FOUND', NOT_FOUND);
    const count = next ?? this.config.SCHEDULES_DESCRIBE_NEXT;
    const { compiled } = compileStored(row.definition);
    const nextActionTimes =
      row.paused || !row.next_scheduled_at || row.remaining_actions === 0
        ? []
        : [row.next_scheduled_at, ...nextFireTimes(compiled, row.next_scheduled_at, Math.max(0, count - 1))].slice(0, count).map((d) => d.toISOString());
    const [recentRows, open]: [ActionRow[], ActionRow[]] = await Promise.all([
      this.dataSource.query(`SELECT ${ACTION_COLUMNS} FROM schedules.actions WHERE schedule_id = $1 ORDER BY seq DESC LIMIT $2`, [id, recent ?? this.config.SCHEDULES_DESCRIBE_RECENT]),
      this.dataSource.query(`SELECT ${ACTION_COLUMNS} FROM schedules.actions WHERE schedule_id = $1 AND status IN ('buffered', 'running', 'canceling') ORDER BY scheduled_time`, [id]),
    ]);
    return ok({
      schedule: toSchedule(row),
      nextActionTimes,
      runningInstances: open.filter((a) => a.status !== 'buffered' && a.instance_id).map((a) => a.instance_id!),
      bufferedActions: open.filter((a) => a.status === 'buffered').length,
      missedCatchupWindow: Number(row.missed_catchup_window),
      recentActions: recentRows.map(toActionRecord),
    });
  }

  private async setPaused(id: string, paused: boolean, note: string | undefined): Promise<Reply<Schedule>> {
    return this.locked(id, async (manager, row, now) => {
      // Unpausing resumes at the next fire time from now: ticks of the pause are not caught up.
      const cursor = paused ? { next: row.next_scheduled_at, nextAction: row.next_action_at } : dueCursor(id, compileStored(row.definition).compiled, now);
      const [updated]: ScheduleRow[] = await manager
        .query(
          `UPDATE schedules.schedules SET paused = $2, note = COALESCE($3, note), next_scheduled_at = $4, next_action_at = $5, wake = NOT $2, updated_at = $6
            WHERE id = $1 RETURNING ${SCHEDULE_COLUMNS}`,
          [id, paused, note ?? null, cursor.next, cursor.nextAction, now],
        )
        .then(rowsOf<ScheduleRow>);
      if (!paused) this.dueLoop.nudge();
      return ok(toSchedule(updated));
    });
  }

  private cursorFrom(id: string, valid: ValidSchedule, now: Date) {
    return valid.body.remaining_actions === 0 ? { next: null, nextAction: null } : dueCursor(id, valid.compiled, now);
  }

  private async insertTicks(manager: EntityManager, id: string, times: Date[], source: 'trigger_now' | 'backfill', overlap: OverlapPolicy): Promise<number> {
    if (times.length === 0) return 0;
    const inserted: unknown[] = await manager
      .query(
        `INSERT INTO schedules.actions (schedule_id, scheduled_time, source, overlap, status)
         SELECT $1, t, $2, $3, 'buffered' FROM unnest($4::timestamptz[]) AS t
         ON CONFLICT (schedule_id, scheduled_time) DO NOTHING RETURNING scheduled_time`,
        [id, source, overlap, times.map((t) => t.toISOString())],
      )
      .then(rowsOf);
    return inserted.length;
  }

  /** Runs `fn` in a transaction with the live schedule's row locked (waiting for a due pass on it); NOT_FOUND otherwise. */
  private async locked<T>(id: string, fn: (manager: EntityManager, row: ScheduleRow, now: Date) => Promise<Reply<T>>): Promise<Reply<T>> {
    if (!isUuid(id)) return fail('NOT_FOUND', NOT_FOUND);
    return this.dataSource.transaction(async (manager) => {
      const row = await this.live(manager, id, true);
      if (!row) return fail('NOT_FOUND', NOT_FOUND);
      return fn(manager, row, this.clock.now());
    });
  }

  private async live(manager: EntityManager, id: string, forUpdate = false): Promise<ScheduleRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row]: ScheduleRow[] = await manager.query(
      `SELECT ${SCHEDULE_COLUMNS} FROM schedules.schedules WHERE id = $1 AND deleted_at IS NULL${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row;
  }
}

