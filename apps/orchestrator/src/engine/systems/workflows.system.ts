import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { fail, KeysetPage, ok, Reply, Workflow } from '@wfp/contracts';
import { CLOCK, Clock, keysetSql } from '@wfp/platform';
import { checkWorkflowConfig } from '../config-check';
import { EngineDb, Queryable, run, sql } from '../db/engine-db';
import { isUuid, toWorkflow, WorkflowRow } from '../rows';

const SQL = {
  insert: sql<WorkflowRow>('workflows.insert', `INSERT INTO orchestrator.workflows (id, config, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING *`),
  get: sql<WorkflowRow>('workflows.get', `SELECT * FROM orchestrator.workflows WHERE id = $1`),
  list: sql<WorkflowRow>('workflows.list', `SELECT * FROM orchestrator.workflows WHERE deleted_at IS NULL ORDER BY created_at, id`),
  softDelete: sql<{ id: string }>(
    'workflows.soft-delete',
    `UPDATE orchestrator.workflows SET deleted_at = coalesce(deleted_at, $2) WHERE id = $1 RETURNING id`,
  ),
  stages: sql<{ id: string; stages: unknown[] | null }>(
    'workflows.stages',
    `SELECT id, config->'stages' AS stages FROM orchestrator.workflows WHERE id = ANY($1::uuid[])`,
  ),
};

/**
 * Workflows: create (validated config), read, list, soft delete. A workflow's config never
 * changes after creation, so its stages are cached in memory for the engine's transitions
 * (deletion is checked by the database when an instance is inserted, not by the cache).
 */
@Injectable()
export class WorkflowsSystem {
  private readonly stagesCache = new Map<string, readonly unknown[]>();

  constructor(
    private readonly db: EngineDb,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async create(config: unknown): Promise<Reply<Workflow>> {
    const checked = checkWorkflowConfig(config);
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

  /** The stages of each known workflow among `ids` (deleted ones included); unknown ids are absent. */
  async stagesOf(db: Queryable, ids: Iterable<string>): Promise<Map<string, readonly unknown[]>> {
    const found = new Map<string, readonly unknown[]>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const cached = this.stagesCache.get(id);
      if (cached) found.set(id, cached);
      else if (isUuid(id)) missing.push(id);
    }
    if (missing.length > 0) {
      for (const row of await run(db, SQL.stages, [missing])) {
        const stages = Object.freeze(Array.isArray(row.stages) ? row.stages : []);
        if (this.stagesCache.size > 10_000) this.stagesCache.clear();
        this.stagesCache.set(row.id, stages);
        found.set(row.id, stages);
      }
    }
    return found;
  }
}
