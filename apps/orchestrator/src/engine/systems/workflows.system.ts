import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { cancelOnSchema, fail, isUuid, KeysetPage, ok, Reply, Workflow } from '@wfp/contracts';
import { registerLookbacks } from '../store/cancel-waits';
import { BusWaitTypes } from '../store/bus-wait-types';
import { CLOCK, Clock, keysetSql } from '@wfp/platform';
import { checkWorkflowConfig, StageRegistry } from '../core/stage-resolution';
import { STAGE_REGISTRY } from '../stages/stage-registry.token';
import { PAUSED_UNTIL } from '../core/commands';
import { EngineWakeup } from '../engine-wakeup';
import { EngineDb, pgQuery, run, sql } from '../store/engine-db';
import { toWorkflow, WorkflowRow } from '../store/rows';

const SQL = {
  insert: sql<WorkflowRow>('workflows.insert', `INSERT INTO orchestrator.workflows (id, config, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING *`),
  get: sql<WorkflowRow>('workflows.get', `SELECT * FROM orchestrator.workflows WHERE id = $1`),
  list: sql<WorkflowRow>('workflows.list', `SELECT * FROM orchestrator.workflows WHERE deleted_at IS NULL ORDER BY created_at, id`),
  pause: sql<WorkflowRow>(
    'workflows.pause',
    `UPDATE orchestrator.workflows SET paused_mode = $2, paused_at = coalesce(paused_at, $3), updated_at = $3
      WHERE id = $1 AND deleted_at IS NULL RETURNING *`,
  ),
  resume: sql<{ id: string }>(
    'workflows.resume',
    `UPDATE orchestrator.workflows SET paused_mode = NULL, paused_at = NULL, updated_at = $2
      WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
  ),
  /** The queued starts become due now (a microsecond apart, in the order they were started, within the past second). */
  release: sql<{ released: number }>(
    'workflows.release',
    `WITH queued AS (
       SELECT t.instance_id, row_number() OVER (ORDER BY i.created_at, i.id) AS n
         FROM orchestrator.timers t JOIN orchestrator.instances i ON i.id = t.instance_id
        WHERE i.workflow_id = $1 AND NOT i.terminated AND t.action = 'start' AND t.due_at = $3),
     released AS (
       UPDATE orchestrator.timers t SET due_at = $2::timestamptz - interval '1 second' + make_interval(secs => least(q.n, 999999) / 1e6)
         FROM queued q WHERE t.instance_id = q.instance_id RETURNING 1)
     SELECT count(*)::int AS released FROM released`,
  ),
  softDelete: sql<{ id: string }>(
    'workflows.soft-delete',
    `UPDATE orchestrator.workflows SET deleted_at = coalesce(deleted_at, $2) WHERE id = $1 RETURNING id`,
  ),
};

/**
 * Workflows: create (validated against the stage registry), read, list, soft delete. Configs
 * never change after creation (store/workflow-stages.ts caches their stages for transitions).
 */
@Injectable()
export class WorkflowsSystem {
  constructor(
    private readonly db: EngineDb,
    @Inject(STAGE_REGISTRY) private readonly registry: StageRegistry,
    private readonly wakeup: EngineWakeup,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly busWaitTypes: BusWaitTypes,
  ) {}

  async create(config: unknown): Promise<Reply<Workflow>> {
    const checked = checkWorkflowConfig(this.registry, config);
    if (!checked.ok) return fail('VALIDATION', `creating workflow: ${checked.error}`);
    const cancelOn = cancelOnSchema.safeParse(checked.config.cancel_on);
    if (cancelOn.success) {
      // The lookbacks' types are read from now on (their recent events are kept from now on).
      await this.busWaitTypes.recordNow(pgQuery(this.db.pool), cancelOn.data.filter((m) => m.lookback).map((m) => m.event));
      await registerLookbacks(pgQuery(this.db.pool), cancelOn.data);
    }
    const [row] = await run(this.db.pool, SQL.insert, [randomUUID(), JSON.stringify(checked.config), this.clock.now()]);
    return ok(toWorkflow(row));
  }

  async get(id: string): Promise<Reply<Workflow>> {
    const [row] = isUuid(id) ? await run(this.db.pool, SQL.get, [id]) : [];
    return row ? ok(toWorkflow(row)) : fail('NOT_FOUND', `workflow ${id} not found`);
  }

  async list(page?: KeysetPage): Promise<Workflow[]> {
    if (!page) return (await run(this.db.pool, SQL.list, [])).map(toWorkflow);
    // A keyset page (v2 paging): its SQL depends on the page's direction, so it is not a named statement.
    const params: unknown[] = [];
    const keyset = keysetSql(page, { createdAt: 'created_at', id: 'id' }, params);
    const where = ['deleted_at IS NULL', ...(keyset.condition ? [keyset.condition] : [])].join(' AND ');
    const { rows } = await this.db.pool.query<WorkflowRow>(
      `SELECT * FROM orchestrator.workflows WHERE ${where} ORDER BY ${keyset.orderBy} ${keyset.limit}`,
      params,
    );
    return (keyset.reversed ? rows.reverse() : rows).map(toWorkflow);
  }

  /** Pause (our extension): new starts are queued (`queue`) or dropped (`drop`) until resume. */
  async pause(id: string, mode: 'queue' | 'drop'): Promise<Reply<Workflow>> {
    const [row] = isUuid(id) ? await run(this.db.pool, SQL.pause, [id, mode, this.clock.now()]) : [];
    return row ? ok(toWorkflow(row)) : fail('NOT_FOUND', `workflow ${id} not found`);
  }

  /** Resume: starts run again; the queued ones run now. */
  async resume(id: string): Promise<Reply<{ released: number }>> {
    if (!isUuid(id)) return fail('NOT_FOUND', `workflow ${id} not found`);
    const now = this.clock.now();
    const reply = await this.db.transaction(async (client): Promise<Reply<{ released: number }>> => {
      const [row] = await run(client, SQL.resume, [id, now]);
      if (!row) return fail('NOT_FOUND', `workflow ${id} not found`);
      const [released] = await run(client, SQL.release, [id, now, PAUSED_UNTIL]);
      return ok({ released: released.released });
    });
    if (reply.ok && reply.data.released > 0) this.wakeup.notify(now);
    return reply;
  }

  async delete(id: string): Promise<Reply<Record<string, never>>> {
    if (!isUuid(id)) return fail('VALIDATION', `invalid workflow id '${id}': must be a UUID`);
    const rows = await run(this.db.pool, SQL.softDelete, [id, this.clock.now()]);
    return rows.length > 0 ? ok({}) : fail('NOT_FOUND', 'Workflow not found');
  }
}
