import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  CancelOn,
  cancelOnFieldName,
  cancelOnSchema,
  fail,
  isUuid,
  KeysetPage,
  ok,
  policyExpressions,
  policyFieldName,
  Reply,
  Trigger,
  TriggerFlowState,
  TriggerOccurrence,
  TriggerPolicy,
  triggerPolicySchema,
  TriggerTestResult,
  WorkflowInstance,
} from '@wfp/contracts';
import type { NatsConnection } from 'nats';
import { APP_CONFIG, Clock, CLOCK, eventsStreamLastSeq, keysetSql, NATS_CONNECTION } from '@wfp/platform';
import type { TriggersConfig } from '../config';
import { TriggerSetChanges } from '../matching/trigger-set-changes';
import { compile, compileErrorMessage, evaluateFilter, evaluateVar } from '@wfp/expressions';
import { OrchestratorClient } from '../orchestrator/orchestrator-client';
import { readFlowState } from '../flow-control/flow-state';
import { OccurrenceRow, toOccurrence, toTrigger, TRIGGER_COLUMNS, TriggerRow } from './trigger-rows';

const NO_ROWS = 'sql: no rows in result set';

/** Formance trigger operations (v1 and v2) on the `triggers` schema. */
@Injectable()
export class TriggersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly orchestrator: OrchestratorClient,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) private readonly config: TriggersConfig,
    private readonly changes: TriggerSetChanges,
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
    let policy: TriggerPolicy | null = null;
    if (body.policy !== undefined && body.policy !== null) {
      // Our extension: checked after upstream's fields; each message names the field.
      const parsed = triggerPolicySchema.safeParse(body.policy);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return invalid(`${policyFieldName(issue.path)}: ${issue.message}`);
      }
      policy = parsed.data;
      for (const { field, source } of policyExpressions(policy)) {
        try {
          compile(source);
        } catch (error) {
          return invalid(`${field}: ${compileErrorMessage(source, error)}`);
        }
      }
    }
    let cancelOn: CancelOn | null = null;
    if (body.cancel_on !== undefined && body.cancel_on !== null) {
      // Our extension, checked like `policy`: each message names the field (`cancel_on[0].within`).
      const parsed = cancelOnSchema.safeParse(body.cancel_on);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return invalid(`${cancelOnFieldName(issue.path)}: ${issue.message}`);
      }
      cancelOn = parsed.data;
      for (const [i, matcher] of cancelOn.entries()) {
        if (matcher.if === undefined) continue;
        try {
          compile(matcher.if);
        } catch (error) {
          return invalid(`${cancelOnFieldName([i, 'if'])}: ${compileErrorMessage(matcher.if, error)}`);
        }
      }
    }
    const workflow = await this.orchestrator.getWorkflow(workflowId, requestId);
    if (!workflow.ok) {
      if (workflow.error.code === 'NOT_FOUND') return fail('NOT_FOUND', 'workflow does not exists');
      return fail(workflow.error.code, workflow.error.message);
    }
    if (workflow.data.deletedAt) return fail('NOT_FOUND', 'workflow does not exists');

    // The stream's position now, before the trigger exists: the matcher's durable for a new event
    // type starts right after it, so every event published from here on is seen (matching-sources.ts).
    const streamSeq = await eventsStreamLastSeq(await this.nc.jetstreamManager(), this.config.NATS_NAMESPACE);
    const row = await this.dataSource.transaction(async (m) => {
      const rows: TriggerRow[] = await m.query(
        `INSERT INTO triggers.triggers (id, name, event, version, workflow_id, filter, vars, created_at, policy, cancel_on, stream_seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${TRIGGER_COLUMNS}`,
        [
          randomUUID(),
          (body.name as string | undefined | null) ?? null,
          event,
          (body.version as string | undefined | null) || null,
          workflowId,
          filter,
          vars === null ? null : JSON.stringify(vars),
          this.clock.now(),
          policy === null ? null : JSON.stringify(policy),
          cancelOn === null ? null : JSON.stringify(cancelOn),
          streamSeq,
        ],
      );
      await m.query(`UPDATE triggers.generation SET value = value + 1 WHERE id = 1`);
      return rows[0];
    });
    await this.changes.changed();
    return ok(toTrigger(row));
  }

  /**
   * Live triggers by (createdAt, id): all of them or one keyset page; `name` is a
   * case-insensitive substring match (parameterised).
   */
  async list(name?: string, page?: KeysetPage): Promise<Reply<Trigger[]>> {
    const params: unknown[] = [];
    const conditions = ['deleted_at IS NULL'];
    if (name) {
      params.push(name);
      conditions.push(`strpos(lower(coalesce(name, '')), lower($${params.length})) > 0`);
    }
    const keyset = keysetSql(page, { createdAt: 'created_at', id: 'id' }, params);
    if (keyset.condition) conditions.push(keyset.condition);
    const rows: TriggerRow[] = await this.dataSource.query(
      `SELECT ${TRIGGER_COLUMNS} FROM triggers.triggers WHERE ${conditions.join(' AND ')} ORDER BY ${keyset.orderBy} ${keyset.limit}`,
      params,
    );
    return ok((keyset.reversed ? rows.reverse() : rows).map(toTrigger));
  }

  async get(id: string): Promise<Reply<Trigger>> {
    const row = await this.liveTrigger(id);
    return row ? ok(toTrigger(row)) : fail('NOT_FOUND', NO_ROWS);
  }

  /** Flow control (extension): per-key running and queued counts; unknown or deleted → NOT_FOUND. */
  async flowState(id: string): Promise<Reply<TriggerFlowState>> {
    const row = await this.liveTrigger(id);
    return row ? ok(await readFlowState(this.dataSource, row.id)) : fail('NOT_FOUND', NO_ROWS);
  }

  private async liveTrigger(id: string): Promise<TriggerRow | undefined> {
    if (!isUuid(id)) return undefined;
    const rows: TriggerRow[] = await this.dataSource.query(
      `SELECT ${TRIGGER_COLUMNS} FROM triggers.triggers WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    return rows[0];
  }

  /**
   * Test trigger: the filter's verdict (when the trigger has one) and, when there is no filter or
   * it matched and the trigger has vars, each var's value or error — with the evaluator matching
   * uses. Nothing is started or recorded. Unknown or deleted trigger → NOT_FOUND.
   */
  async test(id: string, event: Record<string, unknown>): Promise<Reply<TriggerTestResult>> {
    const row = await this.liveTrigger(id);
    if (!row) return fail('NOT_FOUND', NO_ROWS);
    const result: TriggerTestResult = {};
    if (row.filter !== null) {
      const verdict = evaluateFilter(row.filter, event);
      result.filter = verdict.match ? { match: true } : { match: false, ...(verdict.error ? { error: verdict.error } : {}) };
    }
    const vars = Object.entries(row.vars ?? {});
    if ((result.filter === undefined || result.filter.match) && vars.length > 0) {
      result.variables = {};
      for (const [name, source] of vars) {
        try {
          result.variables[name] = { value: evaluateVar(source, event) };
        } catch (error) {
          result.variables[name] = { error: (error as Error).message };
        }
      }
    }
    return ok(result);
  }

  /** Soft delete: gone from get, list and matching; unknown or already deleted → NOT_FOUND. */
  async delete(id: string): Promise<Reply<Record<string, never>>> {
    if (!isUuid(id)) return fail('NOT_FOUND', NO_ROWS);
    const reply = await this.dataSource.transaction(async (m) => {
      const [rows]: [unknown[], number] = await m.query(
        `UPDATE triggers.triggers SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
        [id, this.clock.now()],
      );
      if (rows.length === 0) return fail<Record<string, never>>('NOT_FOUND', NO_ROWS);
      await m.query(`UPDATE triggers.generation SET value = value + 1 WHERE id = 1`);
      return ok({});
    });
    if (reply.ok) await this.changes.changed();
    return reply;
  }

  /**
   * Occurrences of a trigger, oldest first, each with its instance embedded (without stage
   * statuses, as upstream). An unknown trigger has none (200, empty list, as upstream).
   */
  async listOccurrences(triggerId: string, requestId?: string, page?: KeysetPage): Promise<Reply<TriggerOccurrence[]>> {
    if (!isUuid(triggerId)) return ok([]);
    const params: unknown[] = [triggerId];
    const keyset = keysetSql(page, { createdAt: 'date', id: 'id' }, params);
    const found: OccurrenceRow[] = await this.dataSource.query(
      `SELECT id, trigger_id, date, event, workflow_instance_id, error, outcome, reason, canceled_by, replay_id FROM triggers.occurrences
        WHERE trigger_id = $1${keyset.condition ? ` AND ${keyset.condition}` : ''} ORDER BY ${keyset.orderBy} ${keyset.limit}`,
      params,
    );
    const occurrences = (keyset.reversed ? found.reverse() : found).map(toOccurrence);
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
