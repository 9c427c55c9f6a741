import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { CLOCK, Clock, isDatabaseUnavailable } from '@wfp/platform';
import { failInstance, timerDue } from '../core/commands';
import { StageRegistry } from '../core/stage-resolution';
import { InstanceSnapshot, Transition } from '../core/transition';
import { noteTimerLag } from '../engine-metrics';
import { STAGE_REGISTRY } from '../stages/stage-registry.token';
import { EngineDb, run, sql } from '../store/engine-db';
import { InstanceLoader } from '../store/load-instances';
import { EngineTransaction, UnitOfWork } from '../store/unit-of-work';

const SQL = {
  /** A batch of due timers and their instances, locked; replicas skip each other's rows. */
  claim: sql<{ id: string }>(
    'claim.batch',
    `SELECT t.instance_id AS id
       FROM orchestrator.timers t JOIN orchestrator.instances i ON i.id = t.instance_id
      WHERE t.due_at <= $1 AND t.action <> 'act'
      ORDER BY t.due_at
      LIMIT $2
        FOR UPDATE OF t, i SKIP LOCKED`,
  ),
  claimOne: sql<{ id: string }>(
    'claim.one',
    `SELECT t.instance_id AS id
       FROM orchestrator.timers t JOIN orchestrator.instances i ON i.id = t.instance_id
      WHERE t.instance_id = $2 AND t.due_at <= $1 AND t.action <> 'act'
        FOR UPDATE OF t, i SKIP LOCKED`,
  ),
  /** A transition that threw: count it and retry the timer later (exponential backoff). */
  recordFailure: sql<{ failures: number }>(
    'claim.record-failure',
    `UPDATE orchestrator.timers
        SET failures = failures + 1, last_error = $2, due_at = $3::timestamptz + make_interval(secs => 2 ^ (failures + 1))
      WHERE instance_id = $1
      RETURNING failures`,
  ),
  /** Last resort when even failing the instance through a transition throws. */
  forceFail: sql(
    'claim.force-fail',
    `WITH gone AS (DELETE FROM orchestrator.timers WHERE instance_id = $1),
          runs AS (UPDATE orchestrator.stage_runs SET status = 'failed', terminated_at = $2, error = $3
                    WHERE instance_id = $1 AND terminated_at IS NULL)
     UPDATE orchestrator.instances SET status = 'failed', terminated = true, terminated_at = $2, updated_at = $2, error = $3
      WHERE id = $1 AND NOT terminated`,
  ),
  nextDue: sql<{ due_at: Date | null }>('claim.next-due', `SELECT min(due_at) AS due_at FROM orchestrator.timers WHERE action <> 'act'`),
};

/** Transitions of one timer that threw this many times fail the instance with the error. */
export const MAX_TRANSITION_FAILURES = 3;

type Perform = (instance: InstanceSnapshot, now: Date) => Transition;

/**
 * Claim-and-advance: claims up to `limit` due timers (`FOR UPDATE SKIP LOCKED`, so replicas and
 * loops share the work and each timer is processed once), loads their instances (the one
 * loader), runs each timer's transition (core `timerDue`) and commits the whole batch in one
 * statement — all in one transaction. If the batch throws, each item is retried alone; an item
 * that keeps throwing is retried with backoff and, after {@link MAX_TRANSITION_FAILURES}, its
 * instance fails with the error (never a loop).
 */
@Injectable()
export class ClaimAndAdvanceSystem {
  constructor(
    private readonly db: EngineDb,
    private readonly loader: InstanceLoader,
    private readonly unit: UnitOfWork,
    private readonly logger: PinoLogger,
    @Inject(STAGE_REGISTRY) private readonly registry: StageRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Advances one batch of due work; returns how many timers it claimed. */
  async advanceDue(limit: number): Promise<number> {
    const now = this.clock.now();
    let claimed: string[] = [];
    try {
      await this.unit.transaction(async (tx) => {
        claimed = (await run(tx.client, SQL.claim, [now, limit])).map((row) => row.id);
        await this.advance(tx, claimed, now);
      });
    } catch (error) {
      // The claim itself failed, or the database is unreachable: the worker backs off and retries.
      if (claimed.length === 0 || isDatabaseUnavailable(error)) throw error;
      this.logger.warn({ err: error, claimed: claimed.length }, 'batch transition failed; retrying item by item');
      for (const id of claimed) await this.advanceOne(id, now);
    }
    return claimed.length;
  }

  /** When the next timer is due (undefined: none). */
  async nextDue(): Promise<Date | undefined> {
    const [row] = await run(this.db.pool, SQL.nextDue, []);
    return row?.due_at ?? undefined;
  }

  private async advanceOne(id: string, now: Date): Promise<void> {
    try {
      await this.unit.transaction(async (tx) => this.advance(tx, (await run(tx.client, SQL.claimOne, [now, id])).map((row) => row.id), now));
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error; // not this instance's fault
      const message = (error as Error).message;
      const [row] = await run(this.db.pool, SQL.recordFailure, [id, message, now]);
      this.logger.error({ err: error, instanceId: id, failures: row?.failures }, 'instance transition failed');
      if (row && row.failures >= MAX_TRANSITION_FAILURES) await this.failInstance(id, now, message);
    }
  }

  /** Fails the instance whose transition keeps throwing, with the error, through a normal transition. */
  private async failInstance(id: string, now: Date, message: string): Promise<void> {
    const error = `internal error: ${message}`;
    try {
      await this.unit.transaction(async (tx) => {
        const ids = (await run(tx.client, SQL.claimOne, [new Date(8.64e15), id])).map((row) => row.id);
        await this.advance(tx, ids, now, (instance) => failInstance(instance, now, this.registry, error));
      });
    } catch (cause) {
      this.logger.error({ err: cause, instanceId: id }, 'failing the instance through a transition failed; forcing it');
      await run(this.db.pool, SQL.forceFail, [id, now, error]);
    }
  }

  /** Loads the claimed (locked) instances, runs their timers and writes the batch. */
  private async advance(tx: EngineTransaction, ids: readonly string[], now: Date, perform: Perform = (i) => timerDue(i, now, this.registry)): Promise<void> {
    if (ids.length === 0) return;
    const instances = await this.loader.loadLocked(tx.client, ids);
    const runAt = this.clock.now();
    const batch = [...instances.values()].map((instance) => {
      if (instance.timer) noteTimerLag(instance.timer.dueAt, runAt);
      try {
        return perform(instance, now);
      } catch (error) {
        return failInstance(instance, now, this.registry, `internal error: ${(error as Error).message}`);
      }
    });
    await tx.write(batch);
  }
}
