import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { fail, InstanceHistory, KeysetPage, ok, Reply, StageHistory, Workflow, WorkflowInstance } from '@wfp/contracts';
import { CLOCK, Clock, EventPublisher, keysetSql } from '@wfp/platform';
import { checkWorkflowConfig, decodeStage, interpolate } from './config-check';
import { historyName, StageOutcome } from './stage-kind';
import { InstanceRow, isUuid, StageRunRow, toInstance, toWorkflow, WorkflowRow } from './rows';
import { EngineWakeup } from './engine-wakeup';

const S = 'orchestrator';

/** Rows of an UPDATE/DELETE … RETURNING (TypeORM answers those with `[rows, affected]`). */
async function mutated<T>(manager: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const result: unknown = await manager.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}
export const CANCELED = 'canceled';

type LifecycleType =
  | 'STARTED_WORKFLOW'
  | 'SUCCEEDED_WORKFLOW'
  | 'FAILED_WORKFLOW'
  | 'STARTED_WORKFLOW_STAGE'
  | 'SUCCEEDED_WORKFLOW_STAGE'
  | 'FAILED_WORKFLOW_STAGE';

interface ClaimedTimer {
  instance_id: string;
  stage: number;
  action: 'start' | 'resume';
}

/**
 * The durable workflow engine: every state change is one Postgres transaction that also writes
 * the next work item (a `timers` row, a `waits` row, or nothing once terminated) and the
 * lifecycle events (outbox). Workers claim due timers with FOR UPDATE SKIP LOCKED.
 */
@Injectable()
export class EngineService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: EventPublisher,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly wakeup: EngineWakeup,
  ) {}

  // ---------------------------------------------------------------- workflows

  async createWorkflow(config: unknown): Promise<Reply<Workflow>> {
    const checked = checkWorkflowConfig(config);
    if (!checked.ok) return fail('VALIDATION', `creating workflow: ${checked.error}`);
    const now = this.clock.now();
    const rows: WorkflowRow[] = await this.dataSource.query(
      `INSERT INTO ${S}.workflows (id, config, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING *`,
      [randomUUID(), JSON.stringify(checked.config), now],
    );
    return ok(toWorkflow(rows[0]));
  }

  async getWorkflow(id: string): Promise<Reply<Workflow>> {
    const row = isUuid(id) ? await this.findWorkflow(this.dataSource.manager, id) : undefined;
    return row ? ok(toWorkflow(row)) : fail('NOT_FOUND', `workflow ${id} not found`);
  }

  /** Live workflows by (createdAt, id): all of them, or one keyset page. */
  async listWorkflows(page?: KeysetPage): Promise<Workflow[]> {
    const params: unknown[] = [];
    const keyset = keysetSql(page, { createdAt: 'created_at', id: 'id' }, params);
    const conditions = ['deleted_at IS NULL', ...(keyset.condition ? [keyset.condition] : [])];
    const rows: WorkflowRow[] = await this.dataSource.query(
      `SELECT * FROM ${S}.workflows WHERE ${conditions.join(' AND ')} ORDER BY ${keyset.orderBy} ${keyset.limit}`,
      params,
    );
    return (keyset.reversed ? rows.reverse() : rows).map(toWorkflow);
  }

  async deleteWorkflow(id: string): Promise<Reply<Record<string, never>>> {
    if (!isUuid(id)) return fail('VALIDATION', `invalid workflow id '${id}': must be a UUID`);
    const rows = await mutated(
      this.dataSource.manager,
      `UPDATE ${S}.workflows SET deleted_at = coalesce(deleted_at, $2) WHERE id = $1 RETURNING id`,
      [id, this.clock.now()],
    );
    return rows.length > 0 ? ok({}) : fail('NOT_FOUND', 'Workflow not found');
  }

  private async findWorkflow(manager: EntityManager, id: string): Promise<WorkflowRow | undefined> {
    const rows: WorkflowRow[] = await manager.query(`SELECT * FROM ${S}.workflows WHERE id = $1`, [id]);
    return rows[0];
  }

  // ---------------------------------------------------------------- instances

  async startInstance(
    workflowId: string,
    variables: Record<string, string>,
    idempotencyKey?: string,
  ): Promise<Reply<WorkflowInstance>> {
    if (!isUuid(workflowId)) return fail('NOT_FOUND', `workflow ${workflowId} not found`);
    const result = await this.dataSource.transaction(async (manager): Promise<Reply<WorkflowInstance>> => {
      if (idempotencyKey !== undefined) {
        const existing = await this.instanceByKey(manager, idempotencyKey);
        if (existing) return ok(toInstance(existing));
      }
      const workflow = await this.findWorkflow(manager, workflowId);
      if (!workflow || workflow.deleted_at) return fail('NOT_FOUND', `workflow ${workflowId} not found`);
      const now = this.clock.now();
      const inserted: InstanceRow[] = await manager.query(
        `INSERT INTO ${S}.instances (id, workflow_id, config, variables, idempotency_key, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
        [randomUUID(), workflowId, JSON.stringify(workflow.config), JSON.stringify(variables), idempotencyKey ?? null, now],
      );
      if (inserted.length === 0) {
        // Lost the race to a concurrent start with the same key: that one committed, return it.
        const winner = await this.instanceByKey(manager, idempotencyKey!);
        return winner ? ok(toInstance(winner)) : fail('INTERNAL', 'idempotent start conflict');
      }
      const instance = inserted[0];
      await manager.query(
        `INSERT INTO ${S}.timers (instance_id, stage, action, due_at) VALUES ($1, 0, 'start', $2)`,
        [instance.id, now],
      );
      await this.emit(manager, 'STARTED_WORKFLOW', { id: workflowId, instanceID: instance.id }, now);
      return ok(toInstance(instance));
    });
    if (result.ok) this.afterCommit();
    return result;
  }

  private async instanceByKey(manager: EntityManager, key: string): Promise<InstanceRow | undefined> {
    const rows: InstanceRow[] = await manager.query(`SELECT * FROM ${S}.instances WHERE idempotency_key = $1`, [key]);
    return rows[0];
  }

  /** Instances of live workflows by (createdAt, id): all matches, or one keyset page. */
  async listInstances(filter: { workflowID?: string; running?: boolean; page?: KeysetPage }): Promise<WorkflowInstance[]> {
    const conditions = ['w.deleted_at IS NULL'];
    const params: unknown[] = [];
    if (filter.workflowID !== undefined) {
      if (!isUuid(filter.workflowID)) return [];
      params.push(filter.workflowID);
      conditions.push(`i.workflow_id = $${params.length}`);
    }
    if (filter.running) conditions.push('i.terminated = false');
    const keyset = keysetSql(filter.page, { createdAt: 'i.created_at', id: 'i.id' }, params);
    if (keyset.condition) conditions.push(keyset.condition);
    const found: Array<InstanceRow & { w: WorkflowRow }> = await this.dataSource.query(
      `SELECT i.*, to_jsonb(w) AS w FROM ${S}.instances i JOIN ${S}.workflows w ON w.id = i.workflow_id
        WHERE ${conditions.join(' AND ')} ORDER BY ${keyset.orderBy} ${keyset.limit}`,
      params,
    );
    const rows = keyset.reversed ? found.reverse() : found;
    return rows.map((row) => toInstance(row, undefined, { ...row.w, created_at: new Date(row.w.created_at), updated_at: new Date(row.w.updated_at), deleted_at: row.w.deleted_at ? new Date(row.w.deleted_at) : null }));
  }

  async getInstance(id: string): Promise<Reply<WorkflowInstance>> {
    if (!isUuid(id)) return fail('NOT_FOUND', `instance ${id} not found`);
    const rows: InstanceRow[] = await this.dataSource.query(`SELECT * FROM ${S}.instances WHERE id = $1`, [id]);
    if (rows.length === 0) return fail('NOT_FOUND', `instance ${id} not found`);
    const [stages, workflow] = await Promise.all([
      this.stageRuns(this.dataSource.manager, id),
      this.findWorkflow(this.dataSource.manager, rows[0].workflow_id),
    ]);
    return ok(toInstance(rows[0], stages, workflow));
  }

  private stageRuns(manager: EntityManager, id: string): Promise<StageRunRow[]> {
    return manager.query(`SELECT * FROM ${S}.stage_runs WHERE instance_id = $1 ORDER BY stage`, [id]);
  }

  async history(id: string): Promise<Reply<InstanceHistory[]>> {
    if (!isUuid(id)) return fail('NOT_FOUND', `instance ${id} not found`);
    const found: unknown[] = await this.dataSource.query(`SELECT 1 FROM ${S}.instances WHERE id = $1`, [id]);
    if (found.length === 0) return fail('NOT_FOUND', `instance ${id} not found`);
    const runs = await this.stageRuns(this.dataSource.manager, id);
    return ok(
      runs
        .filter((run) => run.input !== null)
        .map((run) => ({
          name: historyName(run.kind),
          input: run.input!,
          ...(run.error ? { error: run.error } : {}),
          terminated: run.terminated_at !== null,
          startedAt: run.started_at.toISOString(),
          ...(run.terminated_at ? { terminatedAt: run.terminated_at.toISOString() } : {}),
        })),
    );
  }

  async stageHistory(id: string, stage: number): Promise<Reply<StageHistory[]>> {
    if (!isUuid(id)) return fail('NOT_FOUND', 'Instance not found');
    const runs: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM ${S}.stage_runs WHERE instance_id = $1 AND stage = $2`,
      [id, stage],
    );
    if (runs.length === 0) return fail('NOT_FOUND', 'Instance not found');
    const rows: Array<{
      name: string; input: Record<string, unknown>; output: Record<string, unknown> | null; error: string | null;
      terminated: boolean; started_at: Date; terminated_at: Date | null; last_failure: string | null; attempt: number;
      next_execution: Date | null;
    }> = await this.dataSource.query(
      `SELECT * FROM ${S}.activity_log WHERE instance_id = $1 AND stage = $2 ORDER BY id`,
      [id, stage],
    );
    return ok(
      rows.map((row) => ({
        name: row.name,
        input: row.input,
        ...(row.output ? { output: row.output } : {}),
        ...(row.error ? { error: row.error } : {}),
        terminated: row.terminated,
        startedAt: row.started_at.toISOString(),
        ...(row.terminated_at ? { terminatedAt: row.terminated_at.toISOString() } : {}),
        ...(row.last_failure ? { lastFailure: row.last_failure } : {}),
        attempt: row.attempt,
        ...(row.next_execution ? { nextExecution: row.next_execution.toISOString() } : {}),
      })),
    );
  }

  /**
   * Sends an event: completes the current stage when it waits for that name; otherwise the event
   * is buffered for the instance and consumed by the first `wait_event` with that name.
   */
  async sendEvent(id: string, name: string): Promise<Reply<Record<string, never>>> {
    if (!isUuid(id)) return fail('NOT_FOUND', `instance ${id} not found`);
    const result = await this.dataSource.transaction(async (manager): Promise<Reply<Record<string, never>>> => {
      const instance = await this.lockInstance(manager, id);
      if (!instance) return fail('NOT_FOUND', `instance ${id} not found`);
      if (instance.terminated) return fail('VALIDATION', `instance ${id} is terminated`);
      const now = this.clock.now();
      const waits: Array<{ stage: number; event: string }> = await manager.query(
        `SELECT stage, event FROM ${S}.waits WHERE instance_id = $1`,
        [id],
      );
      if (waits.length > 0 && waits[0].event === name) {
        await manager.query(`DELETE FROM ${S}.waits WHERE instance_id = $1`, [id]);
        await this.completeStage(manager, instance, waits[0].stage, now);
      } else {
        await manager.query(`INSERT INTO ${S}.buffered_events (instance_id, name, received_at) VALUES ($1, $2, $3)`, [
          id,
          name,
          now,
        ]);
      }
      return ok({});
    });
    if (result.ok) this.afterCommit();
    return result;
  }

  /** Aborts a running instance: it and its current stage end with error "canceled". */
  async abort(id: string): Promise<Reply<Record<string, never>>> {
    if (!isUuid(id)) return fail('NOT_FOUND', `instance ${id} not found`);
    const result = await this.dataSource.transaction(async (manager): Promise<Reply<Record<string, never>>> => {
      const instance = await this.lockInstance(manager, id);
      if (!instance) return fail('NOT_FOUND', `instance ${id} not found`);
      if (instance.terminated) return fail('VALIDATION', `instance ${id} is already terminated`);
      const now = this.clock.now();
      await manager.query(`DELETE FROM ${S}.timers WHERE instance_id = $1`, [id]);
      await manager.query(`DELETE FROM ${S}.waits WHERE instance_id = $1`, [id]);
      await manager.query(`DELETE FROM ${S}.buffered_events WHERE instance_id = $1`, [id]);
      const running = await mutated<{ stage: number }>(
        manager,
        `UPDATE ${S}.stage_runs SET terminated_at = $2, error = $3 WHERE instance_id = $1 AND terminated_at IS NULL RETURNING stage`,
        [id, now, CANCELED],
      );
      for (const { stage } of running) {
        await this.emit(manager, 'FAILED_WORKFLOW_STAGE', { id: instance.workflow_id, instanceID: id, number: stage, error: CANCELED }, now);
      }
      await this.terminate(manager, instance, now, CANCELED);
      return ok({});
    });
    if (result.ok) this.afterCommit();
    return result;
  }

  private async lockInstance(manager: EntityManager, id: string): Promise<InstanceRow | undefined> {
    const rows: InstanceRow[] = await manager.query(`SELECT * FROM ${S}.instances WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0];
  }

  // ---------------------------------------------------------------- the worker's transitions

  /**
   * Claims one due timer (and its instance) and performs one transition in one transaction.
   * Returns false when nothing is due.
   */
  async runOneDue(): Promise<boolean> {
    const processed = await this.dataSource.transaction(async (manager) => {
      const now = this.clock.now();
      const claimed: Array<ClaimedTimer & { i: InstanceRow }> = await manager.query(
        `SELECT t.instance_id, t.stage, t.action, to_jsonb(i) AS i
           FROM ${S}.timers t JOIN ${S}.instances i ON i.id = t.instance_id
          WHERE t.due_at <= $1
          ORDER BY t.due_at
          LIMIT 1
          FOR UPDATE OF t, i SKIP LOCKED`,
        [now],
      );
      if (claimed.length === 0) return false;
      const timer = claimed[0];
      const instance: InstanceRow = { ...timer.i, created_at: new Date(timer.i.created_at), updated_at: new Date(timer.i.updated_at) };
      if (timer.action === 'resume') await this.completeStage(manager, instance, timer.stage, now);
      else await this.startStage(manager, instance, timer.stage, now);
      return true;
    });
    if (processed) this.publisher.flush();
    return processed;
  }

  private async startStage(manager: EntityManager, instance: InstanceRow, stage: number, now: Date): Promise<void> {
    const stages = Array.isArray(instance.config.stages) ? instance.config.stages : [];
    if (stage >= stages.length) {
      await manager.query(`DELETE FROM ${S}.timers WHERE instance_id = $1`, [instance.id]);
      await this.terminate(manager, instance, now, undefined);
      return;
    }
    const decoded = decodeStage(interpolate(stages[stage], instance.variables));
    const kindName = 'error' in decoded ? Object.keys(stages[stage] as object)[0] ?? 'unknown' : decoded.kind.kind;
    const resolved = 'error' in decoded ? { ok: false as const, error: decoded.error } : decoded.kind.resolve(decoded.spec);
    await manager.query(
      `INSERT INTO ${S}.stage_runs (instance_id, stage, kind, input, started_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (instance_id, stage) DO NOTHING`,
      [instance.id, stage, kindName, resolved.ok ? JSON.stringify(resolved.input) : null, now],
    );
    await this.emit(manager, 'STARTED_WORKFLOW_STAGE', { id: instance.workflow_id, instanceID: instance.id, number: stage }, now);
    const outcome: StageOutcome =
      resolved.ok && !('error' in decoded) ? decoded.kind.start(resolved.input, { now, instanceId: instance.id, stage, variables: instance.variables }) : { type: 'failed', error: (resolved as { error: string }).error };
    switch (outcome.type) {
      case 'done':
        await this.completeStage(manager, instance, stage, now);
        return;
      case 'failed':
        await this.failStage(manager, instance, stage, now, outcome.error);
        return;
      case 'sleep':
        await manager.query(`UPDATE ${S}.timers SET action = 'resume', stage = $2, due_at = $3 WHERE instance_id = $1`, [
          instance.id,
          stage,
          outcome.until,
        ]);
        return;
      case 'wait': {
        await manager.query(`DELETE FROM ${S}.timers WHERE instance_id = $1`, [instance.id]);
        const buffered = await mutated(
          manager,
          `DELETE FROM ${S}.buffered_events WHERE id = (
             SELECT id FROM ${S}.buffered_events WHERE instance_id = $1 AND name = $2 ORDER BY id LIMIT 1)
           RETURNING id`,
          [instance.id, outcome.event],
        );
        if (buffered.length > 0) await this.completeStage(manager, instance, stage, now);
        else {
          await manager.query(`INSERT INTO ${S}.waits (instance_id, stage, event, created_at) VALUES ($1, $2, $3, $4)`, [
            instance.id,
            stage,
            outcome.event,
            now,
          ]);
        }
        return;
      }
    }
  }

  /** Ends a stage successfully and schedules the next one (due now). */
  private async completeStage(manager: EntityManager, instance: InstanceRow, stage: number, now: Date): Promise<void> {
    await manager.query(`UPDATE ${S}.stage_runs SET terminated_at = $3 WHERE instance_id = $1 AND stage = $2`, [
      instance.id,
      stage,
      now,
    ]);
    await this.emit(manager, 'SUCCEEDED_WORKFLOW_STAGE', { id: instance.workflow_id, instanceID: instance.id, number: stage }, now);
    const stageCount = Array.isArray(instance.config.stages) ? instance.config.stages.length : 0;
    if (stage + 1 >= stageCount) {
      // The last stage succeeded: the instance ends in the same transition.
      await manager.query(`DELETE FROM ${S}.timers WHERE instance_id = $1`, [instance.id]);
      await this.terminate(manager, instance, now, undefined);
      return;
    }
    await manager.query(
      `INSERT INTO ${S}.timers (instance_id, stage, action, due_at) VALUES ($1, $2, 'start', $3)
       ON CONFLICT (instance_id) DO UPDATE SET stage = EXCLUDED.stage, action = EXCLUDED.action, due_at = EXCLUDED.due_at`,
      [instance.id, stage + 1, now],
    );
    await manager.query(`UPDATE ${S}.instances SET updated_at = $2 WHERE id = $1`, [instance.id, now]);
  }

  private async failStage(manager: EntityManager, instance: InstanceRow, stage: number, now: Date, error: string): Promise<void> {
    await manager.query(`UPDATE ${S}.stage_runs SET terminated_at = $3, error = $4 WHERE instance_id = $1 AND stage = $2`, [
      instance.id,
      stage,
      now,
      error,
    ]);
    await this.emit(manager, 'FAILED_WORKFLOW_STAGE', { id: instance.workflow_id, instanceID: instance.id, number: stage, error }, now);
    await manager.query(`DELETE FROM ${S}.timers WHERE instance_id = $1`, [instance.id]);
    await this.terminate(manager, instance, now, error);
  }

  private async terminate(manager: EntityManager, instance: InstanceRow, now: Date, error: string | undefined): Promise<void> {
    await manager.query(
      `UPDATE ${S}.instances SET terminated = true, terminated_at = $2, updated_at = $2, error = $3 WHERE id = $1`,
      [instance.id, now, error ?? null],
    );
    await manager.query(`DELETE FROM ${S}.buffered_events WHERE instance_id = $1`, [instance.id]);
    if (error === undefined) {
      await this.emit(manager, 'SUCCEEDED_WORKFLOW', { id: instance.workflow_id, instanceID: instance.id }, now);
    } else {
      await this.emit(manager, 'FAILED_WORKFLOW', { id: instance.workflow_id, instanceID: instance.id, error }, now);
    }
  }

  private async emit(manager: EntityManager, type: LifecycleType, payload: Record<string, unknown>, date: Date): Promise<void> {
    await this.publisher.publish(manager, { app: 'orchestration', version: 'v2', type, payload, date });
  }

  private afterCommit(): void {
    this.publisher.flush();
    this.wakeup.wake();
  }
}
