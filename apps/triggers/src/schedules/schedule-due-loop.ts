import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PinoLogger } from 'nestjs-pino';
import { APP_CONFIG, Clock, CLOCK, EventPublisher } from '@wfp/platform';
import type { TriggersConfig } from '../config';
import { Evaluation, ScheduleEvaluator } from './schedule-evaluator';

/** How long an early instance end is kept for a start not recorded yet (it only bridges a commit). */
const INSTANCE_ENDS_KEPT_MS = 3_600_000;

/**
 * The due loop of every replica: every SCHEDULES_POLL_INTERVAL_MS (and at once when nudged: an
 * instance of a schedule ended, a backfill added ticks), it takes the schedules that are due
 * (`next_action_at` ≤ now, not paused) or woken, one at a time, each in its own transaction with
 * its row locked `FOR UPDATE SKIP LOCKED`: two replicas never evaluate the same schedule at once,
 * and never wait for each other. A schedule whose pass failed is left alone by this replica for
 * SCHEDULES_RETRY_AFTER_MS. Time is the injected CLOCK's.
 */
@Injectable()
export class ScheduleDueLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private pass?: Promise<number>;
  private again = false;
  private stopped = false;
  private lastPrune = 0;
  /** Schedules whose last pass failed here, and when this replica may try them again (clock ms). */
  private readonly retryAt = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly evaluator: ScheduleEvaluator,
    private readonly publisher: EventPublisher,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: TriggersConfig,
    private readonly logger: PinoLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.nudge(), this.config.SCHEDULES_POLL_INTERVAL_MS);
    this.timer.unref();
    this.nudge();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop();
    await this.pass?.catch(() => undefined);
  }

  /** Stops the periodic passes (tests drive `runDue` themselves). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** Asks for a pass soon (coalesced with a running one). */
  nudge(): void {
    if (this.stopped) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    void this.runDue().catch((error: unknown) => this.logger.error({ err: error }, 'schedule due pass failed'));
  }

  /**
   * One pass: evaluates every due or woken schedule once; returns how many. Passes of one process
   * never overlap (a call during a pass waits for it, then runs another).
   */
  async runDue(): Promise<number> {
    while (this.pass) await this.pass.catch(() => undefined);
    this.pass = this.evaluateAllDue();
    try {
      return await this.pass;
    } finally {
      this.pass = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.nudge();
      }
    }
  }

  private async evaluateAllDue(): Promise<number> {
    const tried: string[] = [];
    for (;;) {
      const now = this.clock.now();
      for (const [scheduleId, at] of this.retryAt) if (at <= now.getTime()) this.retryAt.delete(scheduleId);
      const backingOff = [...this.retryAt.keys()];
      let evaluation: Evaluation | undefined;
      let id: string | undefined;
      try {
        evaluation = await this.dataSource.transaction(async (manager) => {
          const [due]: Array<{ id: string }> = await manager.query(
            `SELECT id FROM schedules.schedules
              WHERE deleted_at IS NULL AND ((NOT paused AND next_action_at <= $1) OR wake) AND NOT (id = ANY($2::uuid[]))
              ORDER BY next_action_at NULLS FIRST LIMIT 1 FOR UPDATE SKIP LOCKED`,
            [now, [...tried, ...backingOff]],
          );
          if (!due) return undefined;
          id = due.id;
          return this.evaluator.evaluate(manager, due.id, now);
        });
        if (id) this.retryAt.delete(id);
      } catch (error) {
        // The pass rolled back: the schedule's ticks are taken again later, with the same keys.
        if (id) this.retryAt.set(id, now.getTime() + this.config.SCHEDULES_RETRY_AFTER_MS);
        this.logger.warn({ err: error, scheduleId: id, retryAfterMs: this.config.SCHEDULES_RETRY_AFTER_MS }, 'schedule evaluation failed; retried later');
      }
      if (!id) break;
      tried.push(id);
      if (evaluation) {
        evaluation.countMetrics();
        this.publisher.flush();
      }
    }
    await this.pruneInstanceEnds();
    return tried.length;
  }

  private async pruneInstanceEnds(): Promise<void> {
    const now = this.clock.now().getTime();
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    await this.dataSource.query(`DELETE FROM schedules.instance_ends WHERE ended_at < $1`, [new Date(now - INSTANCE_ENDS_KEPT_MS)]);
  }
}
