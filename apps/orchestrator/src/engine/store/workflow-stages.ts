import { CancelMatcher, cancelOnSchema, isUuid } from '@wfp/contracts';
import { Injectable } from '@nestjs/common';
import { Queryable, run, sql } from './engine-db';

const SQL = {
  definitions: sql<{ id: string; stages: unknown[] | null; cancel_on: unknown }>(
    'workflow-stages.read',
    `SELECT id, config->'stages' AS stages, config->'cancel_on' AS cancel_on FROM orchestrator.workflows WHERE id = ANY($1::uuid[])`,
  ),
};

/** What the engine's transitions need of a workflow: its stages and its `cancel_on` matchers. */
export interface WorkflowDefinition {
  stages: readonly unknown[];
  cancelOn: readonly CancelMatcher[];
}

/**
 * Workflows' definitions for the engine's transitions. A workflow's config never changes after
 * creation, so they are cached in memory (deletion is checked by the database when an instance
 * is inserted, not by the cache).
 */
@Injectable()
export class WorkflowStages {
  private readonly cache = new Map<string, WorkflowDefinition>();

  /** The stages of each known workflow among `ids` (deleted ones included); unknown ids are absent. */
  async of(db: Queryable, ids: Iterable<string>): Promise<Map<string, readonly unknown[]>> {
    const definitions = await this.definitions(db, ids);
    return new Map([...definitions].map(([id, definition]) => [id, definition.stages]));
  }

  /** The definition of each known workflow among `ids` (deleted ones included); unknown ids are absent. */
  async definitions(db: Queryable, ids: Iterable<string>): Promise<Map<string, WorkflowDefinition>> {
    const found = new Map<string, WorkflowDefinition>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const cached = this.cache.get(id);
      if (cached) found.set(id, cached);
      else if (isUuid(id)) missing.push(id);
    }
    if (missing.length > 0) {
      for (const row of await run(db, SQL.definitions, [missing])) {
        const cancelOn = row.cancel_on === null || row.cancel_on === undefined ? undefined : cancelOnSchema.safeParse(row.cancel_on);
        const definition = Object.freeze({
          stages: Object.freeze(Array.isArray(row.stages) ? row.stages : []),
          // Validated at create; a config stored before cancel_on existed has none.
          cancelOn: Object.freeze(cancelOn?.success ? cancelOn.data : []),
        });
        if (this.cache.size > 10_000) this.cache.clear();
        this.cache.set(row.id, definition);
        found.set(row.id, definition);
      }
    }
    return found;
  }
}
