import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PinoLogger } from 'nestjs-pino';
import { APP_CONFIG, Clock, CLOCK, EventPublisher } from '@wfp/platform';
import type { TriggersConfig } from '../config';
import { ScheduleEvaluator } from './schedule-evaluator';

/** How long an early instance end is kept for a start not recorded yet (it only bridges a commit). */
const INSTANCE_ENDS_KEPT_MS = 3_600_000;

/**
 * The due loop of every replica: every SCHEDULES_POLL_INTERVAL_MS (and at once when nudged: an
 * instance of a schedule ended, a backfill added ticks), it claims the schedules that are due
 * (`next_action_at` ≤ now, not paused), woken, or left with a lapsed claim, one at a time
 * (`ScheduleEvaluator.claimDue`: `FOR UPDATE SKIP LOCKED`, then a lease on the row), and runs a
 * pass on each: two replicas never work on the same schedule at once, and never wait for each
 * other. No transaction is open during the pass's orchestrator calls. A schedule whose pass
 * failed is left alone by this replica for SCHEDULES_RETRY_AFTER_MS. Time is the injected CLOCK's.
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
      const claim = await this.evaluator.claimDue(now, [...tried, ...this.retryAt.keys()]);
      if (!claim) break;
      tried.push(claim.scheduleId);
      try {
        await this.evaluator.evaluate(claim, now);
        this.retryAt.delete(claim.scheduleId);
      } catch (error) {
        // What the pass committed stays; its unanswered calls stay pending and are made again later, with the same keys.
        this.retryAt.set(claim.scheduleId, now.getTime() + this.config.SCHEDULES_RETRY_AFTER_MS);
        this.logger.warn({ err: error, scheduleId: claim.scheduleId, retryAfterMs: this.config.SCHEDULES_RETRY_AFTER_MS }, 'schedule evaluation failed; retried later');
      }
      this.publisher.flush();
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
