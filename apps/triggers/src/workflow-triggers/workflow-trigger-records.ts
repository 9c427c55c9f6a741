import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  BILLING_EVENT_TYPES,
  BillingEventType,
  EventEnvelope,
  TARGET_KEYS,
  TARGET_TYPE_OF_KEY,
  TargetKey,
  WorkflowTrigger,
  WorkflowTriggerCreate,
} from '@wfp/contracts';

/** The platform of records created without `x-platform-id` (and of billing events without `platform_id`). */
export const DEFAULT_PLATFORM = '';

export type TargetType = (typeof TARGET_TYPE_OF_KEY)[TargetKey];
export const KEY_OF_TARGET_TYPE: Record<TargetType, TargetKey> = {
  INVOICE: 'invoice',
  PAYMENT: 'payment',
  PRICING_PLAN_SUBSCRIPTION: 'pricing_plan_subscription',
  WALLET: 'wallet',
};
/** The id field of each target (what `target_id` holds). */
export const TARGET_ID_FIELD: Record<TargetType, string> = {
  INVOICE: 'invoice_id',
  PAYMENT: 'payment_id',
  PRICING_PLAN_SUBSCRIPTION: 'pricing_plan_subscription_id',
  WALLET: 'wallet_id',
};

export interface WorkflowTriggerRow {
  id: string;
  platform_id: string;
  type: 'MANUAL' | 'EVENT';
  workflow_id: string;
  customer_id: string | null;
  target_type: TargetType;
  target_id: string;
  target: Record<string, unknown>;
  workflow_instance_id: string | null;
  occurrence_id: string | null;
  created_at: Date;
}

export const WORKFLOW_TRIGGER_COLUMNS =
  'id, platform_id, type, workflow_id, customer_id, target_type, target_id, target, workflow_instance_id, occurrence_id, created_at';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A Solvimon-style opaque id: prefix + `_` + 20 base62 characters. */
export function newSolvimonId(prefix: string): string {
  const bytes = randomBytes(20);
  let out = '';
  for (const byte of bytes) out += BASE62[byte % 62];
  return `${prefix}_${out}`;
}

/** A Solvimon-style id derived from `seed` (the same seed always gives the same id). */
export function solvimonIdFor(prefix: string, seed: string): string {
  const bytes = createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; i < 20; i++) out += BASE62[bytes[i] % 62];
  return `${prefix}_${out}`;
}

export function toWorkflowTrigger(row: WorkflowTriggerRow): WorkflowTrigger {
  return {
    object_type: 'WORKFLOW_TRIGGER',
    id: row.id,
    customer_id: row.customer_id,
    workflow_id: row.workflow_id,
    type: row.type,
    [KEY_OF_TARGET_TYPE[row.target_type]]: row.target,
  };
}

/** The one target of a create body (the gateway has checked there is exactly one). */
export function targetOf(body: WorkflowTriggerCreate): { key: TargetKey; value: Record<string, unknown> } {
  const key = TARGET_KEYS.find((k) => body[k] !== undefined);
  if (!key) throw new Error('no target');
  return { key, value: body[key] as Record<string, unknown> };
}

/**
 * The stored target of a MANUAL record: the ids as given, `event: null`, and the manual block with
 * `user_id` (null for API-key callers); wallets have no manual block.
 */
export function manualTarget(key: TargetKey, value: Record<string, unknown>): Record<string, unknown> {
  const { event: _event, manual, ...rest } = value as { event?: unknown; manual?: Record<string, unknown> };
  const target: Record<string, unknown> = { ...rest, event: null };
  if (key !== 'wallet' && manual) target.manual = { ...manual, user_id: (manual.user_id as string | null | undefined) ?? null };
  return target;
}

/**
 * The workflow variables of a MANUAL workflow trigger (all strings): `trigger_id`, `trigger_type`,
 * `customer_id`, `target_type`, `variant`, the target's ids (`invoice_id`, `payment_id`,
 * `pricing_plan_subscription_id`, `pricing_plan_schedule_id`, `trial_end_at`, `wallet_id`,
 * `wallet_type_id`, `customer_reference`, `wallet_reference`) and, for invoices with an overdue
 * period, `overdue_period_type` / `overdue_period_value`. Absent values are left out.
 */
export function workflowVariables(
  id: string,
  type: 'MANUAL' | 'EVENT',
  customerId: string | null | undefined,
  key: TargetKey,
  target: Record<string, unknown>,
): Record<string, string> {
  const vars: Record<string, string> = { trigger_id: id, trigger_type: type, target_type: TARGET_TYPE_OF_KEY[key] };
  if (customerId) vars.customer_id = customerId;
  for (const field of [
    'invoice_id',
    'payment_id',
    'pricing_plan_subscription_id',
    'pricing_plan_schedule_id',
    'trial_end_at',
    'wallet_id',
    'wallet_type_id',
    'customer_reference',
    'wallet_reference',
  ]) {
    const value = target[field];
    if (typeof value === 'string' && value !== '') vars[field] = value;
  }
  const details = (type === 'MANUAL' ? target.manual : target.event) as
    | { variant?: string; overdue?: { period?: { type?: string; value?: number | null } } | null }
    | null
    | undefined;
  vars.variant = details?.variant ?? (key === 'wallet' ? 'WALLET_BALANCE' : '');
  if (!vars.variant) delete vars.variant;
  const period = details?.overdue?.period;
  if (period?.type) vars.overdue_period_type = period.type;
  if (period?.value !== undefined && period?.value !== null) vars.overdue_period_value = String(period.value);
  return vars;
}

export async function insertWorkflowTrigger(m: EntityManager, row: WorkflowTriggerRow): Promise<WorkflowTriggerRow | undefined> {
  const rows: WorkflowTriggerRow[] = await m.query(
    `INSERT INTO triggers.workflow_triggers
       (id, platform_id, type, workflow_id, customer_id, target_type, target_id, target, workflow_instance_id, occurrence_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (occurrence_id) DO NOTHING
     RETURNING ${WORKFLOW_TRIGGER_COLUMNS}`,
    [
      row.id,
      row.platform_id,
      row.type,
      row.workflow_id,
      row.customer_id,
      row.target_type,
      row.target_id,
      JSON.stringify(row.target),
      row.workflow_instance_id,
      row.occurrence_id,
      row.created_at,
    ],
  );
  return rows[0];
}

/**
 * The EVENT record of a billing event that started a workflow through a trigger: the target is
 * filled from the payload, its `event` block carries the variant (and the overdue period).
 * Undefined when the payload does not fit the billing event's schema.
 */
export function eventRecordFor(
  envelope: EventEnvelope,
  workflowId: string,
  instanceId: string,
  occurrenceId: string,
  now: Date,
): WorkflowTriggerRow | undefined {
  const spec = BILLING_EVENT_TYPES[envelope.type as BillingEventType];
  if (!spec) return undefined;
  const parsed = spec.payload.safeParse(envelope.payload);
  if (!parsed.success) return undefined;
  const p = parsed.data as Record<string, unknown> & { customer_id?: string | null; platform_id?: string | null };
  const eventBlock: Record<string, unknown> = { variant: spec.variant };
  let target: Record<string, unknown>;
  switch (spec.target) {
    case 'INVOICE':
      eventBlock.overdue = (p.overdue as unknown) ?? null;
      target = { invoice_id: p.invoice_id, event: eventBlock };
      break;
    case 'PAYMENT':
      target = { payment_id: p.payment_id, event: eventBlock };
      break;
    case 'PRICING_PLAN_SUBSCRIPTION':
      target = {
        pricing_plan_subscription_id: p.pricing_plan_subscription_id,
        ...(p.pricing_plan_schedule_id ? { pricing_plan_schedule_id: p.pricing_plan_schedule_id } : {}),
        ...(p.trial_end_at ? { trial_end_at: toSecondsTimestamp(p.trial_end_at as string) } : {}),
        event: eventBlock,
      };
      break;
    case 'WALLET':
      target = {
        wallet_type_id: p.wallet_type_id,
        wallet_id: p.wallet_id,
        customer_reference: (p.customer_reference as string | null | undefined) ?? null,
        wallet_reference: (p.wallet_reference as string | null | undefined) ?? null,
        event: eventBlock,
      };
      break;
  }
  return {
    id: newSolvimonId('wftr'),
    platform_id: p.platform_id ?? DEFAULT_PLATFORM,
    type: 'EVENT',
    workflow_id: workflowId,
    customer_id: p.customer_id ?? null,
    target_type: spec.target,
    target_id: String(target[TARGET_ID_FIELD[spec.target]]),
    target,
    workflow_instance_id: instanceId,
    occurrence_id: occurrenceId,
    created_at: now,
  };
}

/** Solvimon emits timestamps with seconds and `Z`, never milliseconds. */
function toSecondsTimestamp(value: string): string {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
