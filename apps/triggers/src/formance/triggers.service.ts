import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { fail, ok, Reply, Trigger, TriggerOccurrence, WorkflowInstance } from '@wfp/contracts';
import { Clock, CLOCK } from '@wfp/platform';
import { compile, compileErrorMessage } from '@wfp/expressions';
import { OrchestratorClient } from '../orchestrator/orchestrator-client';
import { OccurrenceRow, toOccurrence, toTrigger, TRIGGER_COLUMNS, TriggerRow } from './trigger-rows';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NO_ROWS = 'sql: no rows in result set';

/** Formance v1 trigger operations on the `triggers` schema. */
@Injectable()
export class TriggersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly orchestrator: OrchestratorClient,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Validates in upstream order (event, workflowID, filter, each var: compiled, so syntax errors
   * are 400), then checks that the workflow exists and is not deleted (404), then stores.
   */
  async create(data: unknown, requestId?: string): Promise<Reply<Trigger>> {
    const invalid = (message: string) => fail<Trigger>('VALIDATION', `validating data: ${message}`);
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return invalid('a JSON object is required');
    const body = data as Record<string, unknown>;
    for (const key of ['event', 'workflowID', 'filter', 'name', 'version']) {
      if (body[key] !== undefined && body[key] !== null && typeof body[key] !== 'string') {
        return invalid(`${key} must be a string`);
      }
    }
    const event = (body.event as string | undefined | null) ?? '';
    const workflowId = (body.workflowID as string | undefined | null) ?? '';
    if (event === '') return invalid('missing event');
    if (workflowId === '') return invalid('missing workflow id');
    if (event.length > 200) return invalid('event longer than 200 characters');
    const filter = (body.filter as string | undefined | null) || null;
    let vars: Record<string, string> | null = null;
    if (body.vars !== undefined && body.vars !== null) {
      if (typeof body.vars !== 'object' || Array.isArray(body.vars)) return invalid('vars must be an object of strings');
      vars = {};
      for (const [name, value] of Object.entries(body.vars as Record<string, unknown>)) {
        if (typeof value !== 'string') return invalid(`var '${name}' must be a string expression`);
        vars[name] = value;
      }
    }
    for (const source of [...(filter ? [filter] : []), ...Object.values(vars ?? {})]) {
      try {
        compile(source);
      } catch (error) {
        return invalid(compileErrorMessage(source, error));
      }
    }
    const workflow = await this.orchestrator.getWorkflow(workflowId, requestId);
    if (!workflow.ok) {
      if (workflow.error.code === 'NOT_FOUND') return fail('NOT_FOUND', 'workflow does not exists');
      return fail(workflow.error.code, workflow.error.message);
    }
    if (workflow.data.deletedAt) return fail('NOT_FOUND', 'workflow does not exists');

    const row = await this.dataSource.transaction(async (m) => {
      const rows: TriggerRow[] = await m.query(
        `INSERT INTO triggers.triggers (id, name, event, version, workflow_id, filter, vars, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${TRIGGER_COLUMNS}`,
        [
          randomUUID(),
          (body.name as string | undefined | null) ?? null,
          event,
          (body.version as string | undefined | null) || null,
          workflowId,
          filter,
          vars === null ? null : JSON.stringify(vars),
          this.clock.now(),
        ],
      );
      await m.query(`UPDATE triggers.generation SET value = value + 1 WHERE id = 1`);
      return rows[0];
    });
    return ok(toTrigger(row));
  }

  /** Live triggers, oldest first; `name` is a case-insensitive substring match (parameterised). */
  async list(name?: string): Promise<Reply<Trigger[]>> {
    const rows: TriggerRow[] = name
      ? await this.dataSource.query(
          `SELECT ${TRIGGER_COLUMNS} FROM triggers.triggers
            WHERE deleted_at IS NULL AND strpos(lower(coalesce(name, '')), lower($1)) > 0
            ORDER BY created_at, id`,
          [name],
        )
      : await this.dataSource.query(
          `SELECT ${TRIGGER_COLUMNS} FROM triggers.triggers WHERE deleted_at IS NULL ORDER BY created_at, id`,
        );
    return ok(rows.map(toTrigger));
  }

  async get(id: string): Promise<Reply<Trigger>> {
    if (!UUID.test(id)) return fail('NOT_FOUND', NO_ROWS);
    const rows: TriggerRow[] = await this.dataSource.query(
      `SELECT ${TRIGGER_COLUMNS} FROM triggers.triggers WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    return rows.length ? ok(toTrigger(rows[0])) : fail('NOT_FOUND', NO_ROWS);
  }

  /** Soft delete: gone from get, list and matching; unknown or already deleted → NOT_FOUND. */
  async delete(id: string): Promise<Reply<Record<string, never>>> {
    if (!UUID.test(id)) return fail('NOT_FOUND', NO_ROWS);
    return this.dataSource.transaction(async (m) => {
      const [rows]: [unknown[], number] = await m.query(
        `UPDATE triggers.triggers SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
        [id, this.clock.now()],
      );
      if (rows.length === 0) return fail('NOT_FOUND', NO_ROWS);
      await m.query(`UPDATE triggers.generation SET value = value + 1 WHERE id = 1`);
      return ok({});
    });
  }

  /**
   * Occurrences of a trigger, oldest first, each with its instance embedded (without stage
   * statuses, as upstream). An unknown trigger has none (200, empty list, as upstream).
   */
  async listOccurrences(triggerId: string, requestId?: string): Promise<Reply<TriggerOccurrence[]>> {
    if (!UUID.test(triggerId)) return ok([]);
    const rows: OccurrenceRow[] = await this.dataSource.query(
      `SELECT id, trigger_id, date, event, workflow_instance_id, error FROM triggers.occurrences
        WHERE trigger_id = $1 ORDER BY date, id`,
      [triggerId],
    );
    const occurrences = rows.map(toOccurrence);
    const instances = new Map<string, WorkflowInstance>();
    const ids = [...new Set(occurrences.flatMap((o) => (o.workflowInstanceID ? [o.workflowInstanceID] : [])))];
    for (let i = 0; i < ids.length; i += 16) {
      await Promise.all(
        ids.slice(i, i + 16).map(async (id) => {
          const reply = await this.orchestrator.getInstance(id, requestId).catch(() => undefined);
          if (reply?.ok) {
            const { status: _status, workflow: _workflow, ...instance } = reply.data;
            instances.set(id, instance);
          }
        }),
      );
    }
    return ok(
      occurrences.map((o) => {
        const instance = o.workflowInstanceID ? instances.get(o.workflowInstanceID) : undefined;
        return instance ? { ...o, workflowInstance: instance } : o;
      }),
    );
  }
}
