import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  searchBodySchema,
  SearchBody,
  TARGET_KEYS,
  WORKFLOW_TRIGGER_ORDER_FIELDS,
  WorkflowTriggerCreate,
  workflowTriggerCreateSchema,
} from '@wfp/contracts';
import { ApiError } from '../http/api-error';

/** A 400 in Solvimon terms: `code` and the dotted `field`. */
export function solvimonError(status: number, code: string, message: string, extra: Record<string, unknown> = {}): ApiError {
  const errorCode = status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'FORBIDDEN' : status === 404 ? 'NOT_FOUND' : status >= 500 ? 'INTERNAL' : 'VALIDATION';
  return new ApiError(status, errorCode, message, { solvimonCode: code, ...extra });
}

function fieldError(code: 'MISSING_FIELD' | 'INVALID_FIELD', field: string | undefined, message: string): ApiError {
  return solvimonError(400, code, message, field ? { field } : {});
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[String(key)];
  }
  return current;
}

/** The first zod issue as a Solvimon field error (MISSING_FIELD when the value is absent). */
export function zodToSolvimon(error: z.ZodError, input: unknown, prefix: string[] = []): ApiError {
  const issue = error.issues[0];
  const path = [...prefix, ...issue.path.map(String)];
  const field = path.join('.');
  const missing = valueAt(input, issue.path) === undefined;
  if (missing) return fieldError('MISSING_FIELD', field || undefined, `value required, but not set`);
  return fieldError('INVALID_FIELD', field || undefined, issue.message);
}

function requireObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw solvimonError(400, 'UNABLE_TO_PROCESS_INSTRUCTIONS', 'the request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/**
 * Validates a `WorkflowTriggerCreateRequest`: `type` (MANUAL only), `workflow_id`, exactly one
 * target with its exact shape and upper-case enums, the manual block (variant; invoice overdue
 * period for OVERDUE), no `event` block (set by the system on EVENT records), timestamps with
 * seconds and no milliseconds. `object_type` and `id` are read-only and ignored.
 */
export function parseCreateBody(raw: unknown): WorkflowTriggerCreate {
  const body = requireObject(raw);
  if (body.type === undefined || body.type === null) throw fieldError('MISSING_FIELD', 'type', 'value required, but not set');
  if (body.type === 'EVENT') {
    throw fieldError('INVALID_FIELD', 'type', 'only MANUAL workflow triggers can be created; EVENT triggers are created by the system');
  }
  if (body.type !== 'MANUAL') throw fieldError('INVALID_FIELD', 'type', "must be 'MANUAL'");
  if (body.workflow_id === undefined || body.workflow_id === null) {
    throw fieldError('MISSING_FIELD', 'workflow_id', 'value required, but not set');
  }
  const targets = TARGET_KEYS.filter((key) => body[key] !== undefined && body[key] !== null);
  if (targets.length === 0) {
    throw fieldError('INVALID_FIELD', undefined, `exactly one of ${TARGET_KEYS.join(', ')} must be provided`);
  }
  if (targets.length > 1) {
    throw fieldError('INVALID_FIELD', targets[1], `exactly one of ${TARGET_KEYS.join(', ')} must be provided, got ${targets.join(' and ')}`);
  }
  const cleaned = { ...body };
  delete cleaned.object_type;
  delete cleaned.id;
  for (const key of TARGET_KEYS) if (cleaned[key] === null) delete cleaned[key];
  const parsed = workflowTriggerCreateSchema.safeParse(cleaned);
  if (!parsed.success) throw zodToSolvimon(parsed.error, cleaned);
  const key = targets[0];
  const target = parsed.data[key] as { event?: unknown; manual?: { variant: string; overdue?: unknown } };
  if (target.event !== undefined && target.event !== null) {
    throw fieldError('INVALID_FIELD', `${key}.event`, 'event details are set by the system on EVENT triggers; leave them out');
  }
  if (key !== 'wallet') {
    if (!target.manual) throw fieldError('MISSING_FIELD', `${key}.manual`, 'value required, but not set');
    if (key === 'invoice' && target.manual.variant === 'OVERDUE' && !target.manual.overdue) {
      throw fieldError('MISSING_FIELD', 'invoice.manual.overdue', 'value required, but not set (variant OVERDUE needs the overdue period)');
    }
  }
  return parsed.data;
}

/** The search body (`{}` = everything). */
export function parseSearchBody(raw: unknown): SearchBody {
  if (raw === undefined) return {};
  const body = requireObject(raw);
  const parsed = searchBodySchema.safeParse(body);
  if (!parsed.success) throw zodToSolvimon(parsed.error, body);
  return parsed.data;
}

export interface PageQuery {
  page: number;
  limit: number;
  orderBy: (typeof WORKFLOW_TRIGGER_ORDER_FIELDS)[number];
  orderDirection: 'asc' | 'desc';
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw fieldError('INVALID_FIELD', name, 'must be given once, as a plain value');
  return value;
}

function positiveInt(query: Record<string, unknown>, name: string, fallback: number, max?: number): number {
  const value = single(query, name);
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw fieldError('INVALID_FIELD', name, 'must be a positive integer');
  const n = Number(value);
  if (max !== undefined && n > max) throw fieldError('INVALID_FIELD', name, `must be at most ${max}`);
  return n;
}

/**
 * `page` (1-based), `limit`, `order_by`, `order_direction` (list default desc, search default asc;
 * search's documented default `order_by=name` falls back to `created_at`: triggers have no name).
 */
export function parsePageQuery(
  query: Record<string, unknown>,
  defaults: { direction: 'asc' | 'desc'; limit: number; maxLimit: number },
): PageQuery {
  const page = positiveInt(query, 'page', 1);
  const limit = positiveInt(query, 'limit', defaults.limit, defaults.maxLimit);
  const orderByRaw = single(query, 'order_by');
  const orderBy = orderByRaw === undefined || orderByRaw === '' || orderByRaw === 'name' ? 'created_at' : orderByRaw;
  if (!(WORKFLOW_TRIGGER_ORDER_FIELDS as readonly string[]).includes(orderBy)) {
    throw fieldError('INVALID_FIELD', 'order_by', `must be one of ${WORKFLOW_TRIGGER_ORDER_FIELDS.join(', ')}`);
  }
  const directionRaw = single(query, 'order_direction');
  const direction = directionRaw === undefined || directionRaw === '' ? defaults.direction : directionRaw.toLowerCase();
  if (direction !== 'asc' && direction !== 'desc') throw fieldError('INVALID_FIELD', 'order_direction', "must be 'asc' or 'desc'");
  return { page, limit, orderBy: orderBy as PageQuery['orderBy'], orderDirection: direction };
}

/** Pagination links (`null` when there is no such page). */
export function pageLinks(path: string, query: PageQuery, totalPages: number): Record<'first' | 'previous' | 'current' | 'next', string | null> {
  const link = (page: number) =>
    `${path}?${new URLSearchParams({ page: String(page), limit: String(query.limit), order_by: query.orderBy, order_direction: query.orderDirection })}`;
  return {
    first: link(1),
    previous: query.page > 1 ? link(Math.min(query.page - 1, totalPages)) : null,
    current: link(query.page),
    next: query.page < totalPages ? link(query.page + 1) : null,
  };
}

/** A stable hash of a JSON body (object keys sorted), for Idempotency-Key reuse checks. */
export function bodyHash(body: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
    }
    return value;
  };
  return createHash('sha256').update(JSON.stringify(canonical(body) ?? null)).digest('hex');
}
