import { isUuid } from '@wfp/contracts';
import { Injectable } from '@nestjs/common';
import { Queryable, run, sql } from './engine-db';

const SQL = {
  stages: sql<{ id: string; stages: unknown[] | null }>(
    'workflow-stages.read',
    `SELECT id, config->'stages' AS stages FROM orchestrator.workflows WHERE id = ANY($1::uuid[])`,
  ),
};

/**
 * Workflows' stages for the engine's transitions. A workflow's config never changes after
 * creation, so its stages are cached in memory (deletion is checked by the database when an
 * instance is inserted, not by the cache).
 */
@Injectable()
export class WorkflowStages {
  private readonly cache = new Map<string, readonly unknown[]>();

  /** The stages of each known workflow among `ids` (deleted ones included); unknown ids are absent. */
  async of(db: Queryable, ids: Iterable<string>): Promise<Map<string, readonly unknown[]>> {
    const found = new Map<string, readonly unknown[]>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const cached = this.cache.get(id);
      if (cached) found.set(id, cached);
      else if (isUuid(id)) missing.push(id);
    }
    if (missing.length > 0) {
      for (const row of await run(db, SQL.stages, [missing])) {
        const stages = Object.freeze(Array.isArray(row.stages) ? row.stages : []);
        if (this.cache.size > 10_000) this.cache.clear();
        this.cache.set(row.id, stages);
        found.set(row.id, stages);
      }
    }
    return found;
  }
}
