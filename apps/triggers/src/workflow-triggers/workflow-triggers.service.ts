import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  CreateWorkflowTriggerRequest,
  errorCodeSchema,
  fail,
  ok,
  Reply,
  SearchWorkflowTriggersRequest,
  TARGET_TYPE_OF_KEY,
  WORKFLOW_TRIGGER_FILTER_FIELDS,
  WorkflowTrigger,
} from '@wfp/contracts';
import { Clock, CLOCK } from '@wfp/platform';
import { OrchestratorClient } from '../orchestrator/orchestrator-client';
import {
  insertWorkflowTrigger,
  manualTarget,
  newSolvimonId,
  solvimonIdFor,
  TARGET_ID_FIELD,
  targetOf,
  toWorkflowTrigger,
  WORKFLOW_TRIGGER_COLUMNS,
  WorkflowTriggerRow,
  workflowVariables,
} from './workflow-trigger-records';

type FilterName = (typeof WORKFLOW_TRIGGER_FILTER_FIELDS)[number];

/** Columns of the filterable fields; target ids match `target_type` + `target_id`. */
const FILTER_COLUMNS: Record<FilterName, { column: string; targetType?: string }> = {
  id: { column: 'id' },
  workflow_id: { column: 'workflow_id' },
  customer_id: { column: 'customer_id' },
  type: { column: 'type' },
  target_type: { column: 'target_type' },
  invoice_id: { column: 'target_id', targetType: 'INVOICE' },
  payment_id: { column: 'target_id', targetType: 'PAYMENT' },
  pricing_plan_subscription_id: { column: 'target_id', targetType: 'PRICING_PLAN_SUBSCRIPTION' },
  wallet_id: { column: 'target_id', targetType: 'WALLET' },
};
/** What a search field without a name looks at. */
const DEFAULT_SEARCH_COLUMNS = ['id', 'workflow_id', 'customer_id', 'target_id'];

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string; driverError?: { code?: string } })?.driverError?.code === '23505' || (error as { code?: string })?.code === '23505';
}

function invalidField(field: string, message: string) {
  return fail<never>('VALIDATION', message, { solvimonCode: 'INVALID_FIELD', field });
}

/** Solvimon workflow-trigger records: MANUAL ones created here, EVENT ones by the matcher. */
@Injectable()
export class WorkflowTriggersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly orchestrator: OrchestratorClient,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Starts a MANUAL record's workflow with the target's variables, then stores the record — no
   * transaction is open during the start (one start-many item, idempotent on the record id).
   * With an idempotency key the record id is derived from (platform, key), so a repeat or a
   * concurrent duplicate starts the same instance and replays the first record; the same key
   * with another body is refused (CONFLICT). A crash between the start and the insert leaves an
   * instance without a record; the client's retry with the same key records it.
   */
  async create(request: CreateWorkflowTriggerRequest, requestId?: string): Promise<Reply<{ trigger: WorkflowTrigger; replayed: boolean }>> {
    const { platformId, body, idempotencyKey, bodyHash } = request;
    if (body.type !== 'MANUAL') return invalidField('type', 'only MANUAL workflow triggers can be created; EVENT triggers are created by the system');
    if (idempotencyKey) {
      const previous = await this.replay(platformId, idempotencyKey, bodyHash);
      if (previous) return previous;
    }
    const { key, value } = targetOf(body);
    const target = manualTarget(key, value);
    const id = idempotencyKey ? solvimonIdFor('wftr', JSON.stringify([platformId, idempotencyKey])) : newSolvimonId('wftr');
    const targetType = TARGET_TYPE_OF_KEY[key];
    const row: WorkflowTriggerRow = {
      id,
      platform_id: platformId,
      type: 'MANUAL',
      workflow_id: body.workflow_id,
      customer_id: body.customer_id ?? null,
      target_type: targetType,
      target_id: String(target[TARGET_ID_FIELD[targetType]]),
      target,
      workflow_instance_id: null,
      occurrence_id: null,
      created_at: this.clock.now(),
    };
    const [started] = await this.orchestrator.startMany(
      [{ workflowId: body.workflow_id, variables: workflowVariables(id, 'MANUAL', row.customer_id, key, target), idempotencyKey: `workflow-trigger:${id}` }],
      requestId,
    );
    if (!started.ok) {
      if (started.error.code === 'NOT_FOUND') {
        return fail('NOT_FOUND', `workflow ${body.workflow_id} not found`, {
          solvimonCode: 'RESOURCE_NOT_FOUND',
          resource_type: 'WORKFLOW',
          resource_id: body.workflow_id,
        });
      }
      const code = errorCodeSchema.safeParse(started.error.code);
      return fail(code.success ? code.data : 'INTERNAL', started.error.message, { solvimonCode: 'COULD_NOT_CREATE_RESOURCE' });
    }
    row.workflow_instance_id = started.data.id;
    try {
      const stored = await this.dataSource.transaction(async (m) => {
        const inserted = await insertWorkflowTrigger(m, row);
        if (!inserted) throw new Error('workflow trigger not stored');
        if (idempotencyKey) {
          await m.query(
            `INSERT INTO triggers.idempotency_keys (platform_id, key, body_hash, workflow_trigger_id) VALUES ($1, $2, $3, $4)`,
            [platformId, idempotencyKey, bodyHash ?? '', id],
          );
        }
        return inserted;
      });
      return ok({ trigger: toWorkflowTrigger(stored), replayed: false });
    } catch (error) {
      // A concurrent request with the same key stored its record first: replay it.
      const replayed = idempotencyKey && isUniqueViolation(error) ? await this.replay(platformId, idempotencyKey, bodyHash) : undefined;
      if (replayed) return replayed;
      throw error;
    }
  }

  /** The reply to a repeated Idempotency-Key: the first record, or CONFLICT for another body. */
  private async replay(
    platformId: string,
    idempotencyKey: string,
    bodyHash: string | undefined,
  ): Promise<Reply<{ trigger: WorkflowTrigger; replayed: boolean }> | undefined> {
    const previous: Array<WorkflowTriggerRow & { body_hash: string }> = await this.dataSource.query(
      `SELECT ${WORKFLOW_TRIGGER_COLUMNS.split(', ').map((c) => `w.${c}`).join(', ')}, k.body_hash
         FROM triggers.idempotency_keys k JOIN triggers.workflow_triggers w ON w.id = k.workflow_trigger_id
        WHERE k.platform_id = $1 AND k.key = $2`,
      [platformId, idempotencyKey],
    );
    if (!previous.length) return undefined;
    if (previous[0].body_hash !== (bodyHash ?? '')) {
      return fail('CONFLICT', 'the Idempotency-Key was already used with a different request body', {
        solvimonCode: 'IDEMPOTENCY_CHECK_FAILED',
      });
    }
    return ok({ trigger: toWorkflowTrigger(previous[0]), replayed: true });
  }

  async get(platformId: string, id: string): Promise<Reply<WorkflowTrigger>> {
    const rows: WorkflowTriggerRow[] = await this.dataSource.query(
      `SELECT ${WORKFLOW_TRIGGER_COLUMNS} FROM triggers.workflow_triggers WHERE platform_id = $1 AND id = $2`,
      [platformId, id],
    );
    if (!rows.length) {
      return fail('NOT_FOUND', `workflow trigger ${id} not found`, {
        solvimonCode: 'RESOURCE_NOT_FOUND',
        resource_type: 'WORKFLOW_TRIGGER',
        resource_id: id,
      });
    }
    return ok(toWorkflowTrigger(rows[0]));
  }

  /** List and search: parameterised filters, a page of records and the total count. */
  async search(request: SearchWorkflowTriggersRequest): Promise<Reply<{ data: WorkflowTrigger[]; total: number }>> {
    const params: unknown[] = [request.platformId];
    const where = ['platform_id = $1'];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const { filter_fields = [], search_fields = [], selection_rule_fields = [] } = request.search;
    for (const [index, filter] of filter_fields.entries()) {
      const spec = FILTER_COLUMNS[filter.name as FilterName];
      if (!spec) {
        return invalidField(`filter_fields.${index}.name`, `cannot filter on '${filter.name}'; filterable: ${WORKFLOW_TRIGGER_FILTER_FIELDS.join(', ')}`);
      }
      const values = [
        ...(filter.values ?? []),
        ...(filter.value !== undefined && filter.value !== null ? [filter.value] : []),
        ...(filter.reference !== undefined && filter.reference !== null ? [filter.reference] : []),
      ];
      if (values.length === 0) return invalidField(`filter_fields.${index}.value`, 'a filter needs a value, values or reference');
      const clause = `${spec.column} = ANY(${param(values)}::text[])`;
      where.push(spec.targetType ? `(target_type = ${param(spec.targetType)} AND ${clause})` : clause);
    }
    for (const [index, search] of search_fields.entries()) {
      let columns = DEFAULT_SEARCH_COLUMNS;
      if (search.name !== undefined && search.name !== null) {
        const spec = FILTER_COLUMNS[search.name as FilterName];
        if (!spec) return invalidField(`search_fields.${index}.name`, `cannot search on '${search.name}'; searchable: ${WORKFLOW_TRIGGER_FILTER_FIELDS.join(', ')}`);
        columns = [spec.column];
      }
      const escaped = search.value.replace(/[\\%_]/g, (c) => `\\${c}`);
      const pattern = param(`${search.wildcard_start ? '%' : ''}${escaped}${search.wildcard_end ? '%' : ''}`);
      const op = search.ignore_case ? 'ILIKE' : 'LIKE';
      where.push(`(${columns.map((c) => `coalesce(${c}, '') ${op} ${pattern}`).join(' OR ')})`);
    }
    if (selection_rule_fields.length > 0) {
      return invalidField('selection_rule_fields.0.name', `unknown selection rule '${selection_rule_fields[0].name}'; workflow triggers define none`);
    }
    const direction = request.orderDirection === 'asc' ? 'ASC' : 'DESC';
    const whereSql = where.join(' AND ');
    const countRows: Array<{ count: string }> = await this.dataSource.query(
      `SELECT count(*) AS count FROM triggers.workflow_triggers WHERE ${whereSql}`,
      params,
    );
    const limit = param(request.limit);
    const offset = param((request.page - 1) * request.limit);
    const rows: WorkflowTriggerRow[] = await this.dataSource.query(
      `SELECT ${WORKFLOW_TRIGGER_COLUMNS} FROM triggers.workflow_triggers WHERE ${whereSql}
        ORDER BY ${request.orderBy} ${direction} NULLS LAST, seq ${direction} LIMIT ${limit} OFFSET ${offset}`,
      params,
    );
    return ok({ data: rows.map(toWorkflowTrigger), total: Number(countRows[0].count) });
  }
}
