import { Injectable } from '@nestjs/common';
import { fail, InstanceFilter, InstanceHistory, isUuid, KeysetPage, ListInstancesRequest, ok, Reply, StageHistory, WorkflowInstance } from '@wfp/contracts';
import { keysetSql } from '@wfp/platform';
import { EngineDb, run, sql, Statement } from '../store/engine-db';
import { instanceFilterSql } from '../store/instance-filter';

/*
 * Each read is ONE statement that builds the reply's JSON in Postgres (`jsonb_build_object`,
 * `jsonb_agg`); the process only forwards it. Optional fields are absent, never null:
 * `jsonb_strip_nulls` runs on the engine's own fields, and user JSON (configs, inputs, outputs,
 * which may hold nulls) is added after it. Timestamps: `orchestrator.iso()` = `toISOString()`.
 */

const WORKFLOW_JSON = `(jsonb_strip_nulls(jsonb_build_object(
    'id', w.id, 'createdAt', orchestrator.iso(w.created_at), 'updatedAt', orchestrator.iso(w.updated_at),
    'deletedAt', orchestrator.iso(w.deleted_at),
    'paused', CASE WHEN w.paused_mode IS NOT NULL THEN jsonb_build_object('mode', w.paused_mode, 'since', orchestrator.iso(w.paused_at)) END))
  || jsonb_build_object('config', w.config || jsonb_build_object(
    'name', coalesce(w.config->>'name', ''),
    'stages', CASE WHEN jsonb_typeof(w.config->'stages') = 'array' THEN w.config->'stages' ELSE '[]'::jsonb END)))`;

const INSTANCE_FIELDS = `'id', i.id, 'workflowID', i.workflow_id,
    'createdAt', orchestrator.iso(i.created_at), 'updatedAt', orchestrator.iso(i.updated_at),
    'terminated', i.terminated, 'terminatedAt', orchestrator.iso(i.terminated_at), 'error', nullif(i.error, ''),
    'metadata', nullif(i.metadata, '{}'::jsonb), 'canceledBy', i.canceled_by`;

const STAGE_STATUS = `(SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
      'stage', r.stage, 'instanceID', r.instance_id, 'startedAt', orchestrator.iso(r.started_at),
      'terminatedAt', orchestrator.iso(r.terminated_at), 'error', nullif(r.error, ''))) ORDER BY r.stage)
    FROM orchestrator.stage_runs r WHERE r.instance_id = i.id)`;

function listStatement(name: string, where: string): Statement<{ instances: WorkflowInstance[] }> {
  return sql(
    `reads.list-instances.${name}`,
    `SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(${INSTANCE_FIELDS}))
                               || jsonb_build_object('workflow', ${WORKFLOW_JSON}) ORDER BY i.created_at, i.id), '[]') AS instances
       FROM orchestrator.instances i JOIN orchestrator.workflows w ON w.id = i.workflow_id
      WHERE w.deleted_at IS NULL ${where}`,
  );
}

const SQL = {
  instance: sql<{ instance: WorkflowInstance }>(
    'reads.instance',
    `SELECT jsonb_strip_nulls(jsonb_build_object(${INSTANCE_FIELDS}, 'status', ${STAGE_STATUS}))
            || jsonb_build_object('workflow', ${WORKFLOW_JSON}) AS instance
       FROM orchestrator.instances i JOIN orchestrator.workflows w ON w.id = i.workflow_id
      WHERE i.id = $1`,
  ),
  list: {
    all: listStatement('all', ''),
    running: listStatement('running', 'AND NOT i.terminated'),
    byWorkflow: listStatement('by-workflow', 'AND i.workflow_id = $1'),
    byWorkflowRunning: listStatement('by-workflow-running', 'AND i.workflow_id = $1 AND NOT i.terminated'),
  },
  history: sql<{ history: InstanceHistory[] }>(
    'reads.history',
    `SELECT (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                'name', r.history_name, 'error', nullif(r.error, ''), 'terminated', r.terminated_at IS NOT NULL,
                'startedAt', orchestrator.iso(r.started_at), 'terminatedAt', orchestrator.iso(r.terminated_at),
                'redrives', nullif(r.redrives, 0), 'errorBeforeRedrive', nullif(r.error_before_redrive, '')))
              || jsonb_build_object('input', r.input) ORDER BY r.stage), '[]')
               FROM orchestrator.stage_runs r WHERE r.instance_id = i.id AND r.input IS NOT NULL) AS history
       FROM orchestrator.instances i
      WHERE i.id = $1`,
  ),
  /** One entry per attempt (`activity_log` row) of the stage run. */
  stageHistory: sql<{ history: StageHistory[] }>(
    'reads.stage-history',
    `SELECT (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                'name', a.name, 'error', nullif(a.error, ''), 'terminated', a.terminated,
                'startedAt', orchestrator.iso(a.started_at), 'terminatedAt', orchestrator.iso(a.terminated_at),
                'lastFailure', nullif(a.last_failure, ''), 'attempt', a.attempt,
                'nextExecution', orchestrator.iso(a.next_execution)))
              || jsonb_build_object('input', a.input)
              || CASE WHEN a.output IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('output', a.output) END
              ORDER BY a.id), '[]')
               FROM orchestrator.activity_log a WHERE a.instance_id = r.instance_id AND a.stage = r.stage) AS history
       FROM orchestrator.stage_runs r
      WHERE r.instance_id = $1 AND r.stage = $2`,
  ),
};

/** Reads: instances, lists, instance history and stage history — one statement each. */
@Injectable()
export class ReadsSystem {
  constructor(private readonly db: EngineDb) {}

  async instance(id: string): Promise<Reply<WorkflowInstance>> {
    const [row] = isUuid(id) ? await run(this.db.pool, SQL.instance, [id]) : [];
    return row ? ok(row.instance) : fail('NOT_FOUND', `instance ${id} not found`);
  }

  async listInstances(filter: ListInstancesRequest): Promise<WorkflowInstance[]> {
    if (filter.workflowID !== undefined && !isUuid(filter.workflowID)) return [];
    const searched = filter.status !== undefined || filter.metadata !== undefined || filter.createdAfter !== undefined || filter.createdBefore !== undefined;
    if (filter.page || searched) return this.listInstancesPage(filter, filter.page);
    const [row] =
      filter.workflowID === undefined
        ? await run(this.db.pool, filter.running ? SQL.list.running : SQL.list.all, [])
        : await run(this.db.pool, filter.running ? SQL.list.byWorkflowRunning : SQL.list.byWorkflow, [filter.workflowID]);
    return row.instances;
  }

  /** A search or one keyset page (v2 paging): the rows chosen in a subquery, aggregated in ascending order. */
  private async listInstancesPage(filter: InstanceFilter, page: KeysetPage | undefined): Promise<WorkflowInstance[]> {
    const params: unknown[] = [];
    const conditions = ['w.deleted_at IS NULL', ...instanceFilterSql(filter, params)];
    const keyset = keysetSql(page, { createdAt: 'i.created_at', id: 'i.id' }, params);
    if (keyset.condition) conditions.push(keyset.condition);
    const { rows } = await this.db.pool.query<{ instances: WorkflowInstance[] }>(
      `SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(${INSTANCE_FIELDS}))
                                 || jsonb_build_object('workflow', ${WORKFLOW_JSON}) ORDER BY i.created_at, i.id), '[]') AS instances
         FROM (SELECT i.id FROM orchestrator.instances i JOIN orchestrator.workflows w ON w.id = i.workflow_id
                WHERE ${conditions.join(' AND ')} ORDER BY ${keyset.orderBy} ${keyset.limit}) page
         JOIN orchestrator.instances i ON i.id = page.id
         JOIN orchestrator.workflows w ON w.id = i.workflow_id`,
      params,
    );
    return rows[0].instances;
  }

  async history(id: string): Promise<Reply<InstanceHistory[]>> {
    const [row] = isUuid(id) ? await run(this.db.pool, SQL.history, [id]) : [];
    return row ? ok(row.history) : fail('NOT_FOUND', `instance ${id} not found`);
  }

  async stageHistory(id: string, stage: number): Promise<Reply<StageHistory[]>> {
    const [row] = isUuid(id) && Number.isInteger(stage) && Math.abs(stage) < 2 ** 31 ? await run(this.db.pool, SQL.stageHistory, [id, stage]) : [];
    return row ? ok(row.history) : fail('NOT_FOUND', 'Instance not found');
  }
}
