import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { fail, isUuid, KeysetPage, ok, Reply, Workflow } from '@wfp/contracts';
import { CLOCK, Clock, keysetSql } from '@wfp/platform';
import { checkWorkflowConfig, StageRegistry } from '../core/stage-resolution';
import { STAGE_REGISTRY } from '../stages/stage-registry.token';
import { EngineDb, run, sql } from '../store/engine-db';
import { toWorkflow, WorkflowRow } from '../store/rows';

const SQL = {
  insert: sql<WorkflowRow>('workflows.insert', `INSERT INTO orchestrator.workflows (id, config, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING *`),
  get: sql<WorkflowRow>('workflows.get', `SELECT * FROM orchestrator.workflows WHERE id = $1`),
  list: sql<WorkflowRow>('workflows.list', `SELECT * FROM orchestrator.workflows WHERE deleted_at IS NULL ORDER BY created_at, id`),
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
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async create(config: unknown): Promise<Reply<Workflow>> {
    const checked = checkWorkflowConfig(this.registry, config);
    if (!checked.ok) return fail('VALIDATION', `creating workflow: ${checked.error}`);
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

  async delete(id: string): Promise<Reply<Record<string, never>>> {
    if (!isUuid(id)) return fail('VALIDATION', `invalid workflow id '${id}': must be a UUID`);
    const rows = await run(this.db.pool, SQL.softDelete, [id, this.clock.now()]);
    return rows.length > 0 ? ok({}) : fail('NOT_FOUND', 'Workflow not found');
  }
}
