import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { CLOCK, Clock, EventPublisher, isDatabaseUnavailable } from '@wfp/platform';
import { failStage, finish } from '../advance';
import { EngineDb, Queryable, run, sql } from '../db/engine-db';
import { writeTransitions } from '../db/write-transitions';
import { TimerAction } from '../statuses';
import { DueTimer, runDueTimer } from '../timer-actions';
import { LiveInstance, Transition } from '../transition';
import { EngineWakeup } from '../engine-wakeup';
import { WorkflowsSystem } from './workflows.system';
import { noteClaimedTimer } from '../engine-metrics';

interface ClaimedRow {
  id: string;
  workflow_id: string;
  variables: Record<string, string>;
  created_at: Date;
  stage: number;
  action: TimerAction;
  attempt: number;
  buffered: Array<{ id: string; name: string }> | null;
  chain_depth: number;
  wait: DueTimer['wait'];
  bus_wait: DueTimer['bus_wait'];
  /** For metrics: when the timer was due, and when its stage's run started. */
  due_at: Date;
  stage_started_at: Date | null;
}

/** Columns of a claimed timer and its instance (its buffered events and waits: `afterLock`). */
const CLAIMED_COLUMNS = `t.instance_id AS id, i.workflow_id, i.variables, i.created_at, t.stage, t.action, t.attempt, i.chain_depth,
       t.due_at,
       (SELECT r.started_at FROM orchestrator.stage_runs r WHERE r.instance_id = t.instance_id AND r.stage = t.stage) AS stage_started_at`;

const SQL = {
  /** A batch of due timers and their instances, locked; replicas skip each other's rows. */
  claim: sql<Omit<ClaimedRow, 'buffered' | 'wait' | 'bus_wait'>>(
    'claim.batch',
    `SELECT ${CLAIMED_COLUMNS}
       FROM orchestrator.timers t JOIN orchestrator.instances i ON i.id = t.instance_id
      WHERE t.due_at <= $1 AND t.action <> 'act'
      ORDER BY t.due_at
      LIMIT $2
        FOR UPDATE OF t, i SKIP LOCKED`,
  ),
  claimOne: sql<Omit<ClaimedRow, 'buffered' | 'wait' | 'bus_wait'>>(
    'claim.one',
    `SELECT ${CLAIMED_COLUMNS}
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
  /**
   * The claimed instances' buffered events and waits, read again once the claim holds their locks:
   * the claim statement's snapshot predates its locks, so an event buffered (or a wait written) by
   * a transaction that committed meanwhile would be invisible to it — and the instance would then
   * wait forever for an event that sits in its buffer.
   */
  afterLock: sql<Pick<ClaimedRow, 'id' | 'buffered' | 'wait' | 'bus_wait'>>(
    'claim.after-lock',
    `SELECT u.instance_id AS id,
       (SELECT json_agg(json_build_object('id', b.id::text, 'name', b.name) ORDER BY b.id)
          FROM orchestrator.buffered_events b WHERE b.instance_id = u.instance_id) AS buffered,
       (SELECT json_build_object('stage', w.stage, 'on_timeout', w.on_timeout)
          FROM orchestrator.waits w WHERE w.instance_id = u.instance_id) AS wait,
       (SELECT json_build_object('stage', bw.stage, 'on_timeout', bw.on_timeout)
          FROM orchestrator.bus_waits bw WHERE bw.instance_id = u.instance_id) AS bus_wait
       FROM unnest($1::uuid[]) AS u(instance_id)`,
  ),
  nextDue: sql<{ due_at: Date | null }>('claim.next-due', `SELECT min(due_at) AS due_at FROM orchestrator.timers WHERE action <> 'act'`),
};

/** Transitions of one timer that threw this many times fail the instance with the error. */
export const MAX_TRANSITION_FAILURES = 3;

/**
 * Claim-and-advance: claims up to `limit` due timers (`FOR UPDATE SKIP LOCKED`, so replicas and
 * loops share the work and each timer is processed once), runs each instance inline until its
 * next real wait, and writes the whole batch in one statement — all in one transaction. If the
 * batch throws, each item is retried alone; an item that keeps throwing is retried with backoff
 * and, after {@link MAX_TRANSITION_FAILURES}, its instance fails with the error (never a loop).
 */
@Injectable()
export class ClaimAndAdvanceSystem {
  constructor(
    private readonly db: EngineDb,
    private readonly workflows: WorkflowsSystem,
    private readonly publisher: EventPublisher,
    private readonly wakeup: EngineWakeup,
    private readonly logger: PinoLogger,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Advances one batch of due work; returns how many timers it claimed. */
  async advanceDue(limit: number): Promise<number> {
    const now = this.clock.now();
    let claimed: string[] = [];
    let batch: Transition[] = [];
    try {
      await this.db.transaction(async (client) => {
        const rows = await run(client, SQL.claim, [now, limit]);
        claimed = rows.map((row) => row.id);
        if (rows.length === 0) return;
        batch = await this.plan(client, rows, now);
        await writeTransitions(client, batch);
      });
    } catch (error) {
      // The claim itself failed, or the database is unreachable: the worker backs off and retries.
      if (claimed.length === 0 || isDatabaseUnavailable(error)) throw error;
      this.logger.warn({ err: error, claimed: claimed.length }, 'batch transition failed; retrying item by item');
      for (const id of claimed) await this.advanceOne(id, now);
      return claimed.length;
    }
    if (batch.length > 0) this.afterCommit(batch);
    return claimed.length;
  }

  /** When the next timer is due (undefined: none). */
  async nextDue(): Promise<Date | undefined> {
    const [row] = await run(this.db.pool, SQL.nextDue, []);
    return row?.due_at ?? undefined;
  }

  private async advanceOne(id: string, now: Date): Promise<void> {
    let batch: Transition[] = [];
    try {
      await this.db.transaction(async (client) => {
        batch = await this.plan(client, await run(client, SQL.claimOne, [now, id]), now);
        await writeTransitions(client, batch);
      });
      if (batch.length > 0) this.afterCommit(batch);
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
      let batch: Transition[] = [];
      await this.db.transaction(async (client) => {
        const rows = await run(client, SQL.claimOne, [new Date(8.64e15), id]);
        batch = await this.plan(client, rows, now, (t, row) => failDue(t, row, error));
        await writeTransitions(client, batch);
      });
      if (batch.length > 0) this.afterCommit(batch);
    } catch (cause) {
      this.logger.error({ err: cause, instanceId: id }, 'failing the instance through a transition failed; forcing it');
      await run(this.db.pool, SQL.forceFail, [id, now, error]);
    }
  }

  private async plan(
    db: Queryable,
    rows: ReadonlyArray<Omit<ClaimedRow, 'buffered' | 'wait' | 'bus_wait'>>,
    now: Date,
    perform: (t: Transition, timer: DueTimer) => void = runDueTimer,
  ): Promise<Transition[]> {
    if (rows.length === 0) return [];
    const stages = await this.workflows.stagesOf(db, rows.map((row) => row.workflow_id));
    const current = new Map((await run(db, SQL.afterLock, [rows.map((row) => row.id)])).map((fresh) => [fresh.id, fresh] as const));
    return rows.map((claimed) => {
      const row: ClaimedRow = { buffered: null, wait: null, bus_wait: null, ...claimed, ...current.get(claimed.id) };
      const instance = (): LiveInstance => ({
        id: row.id,
        workflowId: row.workflow_id,
        stages: stages.get(row.workflow_id) ?? [],
        variables: row.variables,
        createdAt: row.created_at,
        buffered: row.buffered ? [...row.buffered] : [],
        chainDepth: row.chain_depth,
      });
      const t = new Transition(instance(), now, false);
      noteClaimedTimer(t, { stage: row.stage, dueAt: row.due_at, stageStartedAt: row.stage_started_at }, this.clock.now());
      try {
        perform(t, row);
        return t;
      } catch (error) {
        const failed = new Transition(instance(), now, false);
        failDue(failed, row, `internal error: ${(error as Error).message}`);
        return failed;
      }
    });
  }

  private afterCommit(batch: readonly Transition[]): void {
    this.publisher.flush();
    const due = batch.flatMap((t) => (t.timer ? [t.timer.dueAt.getTime()] : []));
    if (due.length > 0) this.wakeup.notify(new Date(Math.min(...due)));
  }
}

/** Fails the instance at its due timer: the stage it was in (if started) and the instance. */
function failDue(t: Transition, timer: DueTimer, error: string): void {
  t.timer = null;
  if (timer.action === 'start') finish(t, error);
  else failStage(t, timer.stage, error);
}
