import { z } from 'zod';

/** Solvimon Workflow Triggers (Transaction API) records: request and response shapes. */

/** ISO-8601 with seconds and `Z` or an offset; milliseconds are rejected (Solvimon "Standardisation"). */
export const solvimonTimestampSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/, 'must be an ISO-8601 timestamp with seconds and Z or an offset, without milliseconds')
  .refine((value) => !Number.isNaN(Date.parse(value)), 'is not a valid date-time');

export const periodSchema = z.object({
  type: z.enum(['DAY', 'WEEK', 'MONTH', 'YEAR']),
  value: z.number().int().nullable().optional(),
});
const overdueSchema = z.object({ period: periodSchema });
const userId = z.string().max(200).nullable().optional();
const id = z.string().min(1, 'must not be empty').max(200);

export const INVOICE_VARIANTS = ['TO_FINAL', 'OVERDUE', 'UPCOMING_PAYMENT_REMINDER'] as const;

export const invoiceTriggerSchema = z.object({
  invoice_id: id,
  event: z.object({ variant: z.enum(INVOICE_VARIANTS), overdue: overdueSchema.nullable().optional() }).nullable().optional(),
  manual: z
    .object({ user_id: userId, variant: z.enum(INVOICE_VARIANTS), overdue: overdueSchema.optional() })
    .optional(),
});
export const paymentTriggerSchema = z.object({
  payment_id: id,
  event: z.object({ variant: z.enum(['FAILED_PAYMENT']) }).nullable().optional(),
  manual: z.object({ user_id: userId, variant: z.enum(['FAILED_PAYMENT']) }).optional(),
});
export const pricingPlanSubscriptionTriggerSchema = z.object({
  pricing_plan_subscription_id: id,
  pricing_plan_schedule_id: id.optional(),
  trial_end_at: solvimonTimestampSchema.optional(),
  event: z.object({ variant: z.enum(['FREE_TRIAL_REMINDER']) }).nullable().optional(),
  manual: z.object({ user_id: userId, variant: z.enum(['FREE_TRIAL_REMINDER']) }).optional(),
});
export const walletTriggerSchema = z.object({
  wallet_type_id: id,
  wallet_id: id,
  customer_reference: z.string().max(200).nullable().optional(),
  wallet_reference: z.string().max(200).nullable().optional(),
  event: z.object({ variant: z.enum(['WALLET_BALANCE']) }).nullable().optional(),
});

export const TARGET_KEYS = ['invoice', 'payment', 'pricing_plan_subscription', 'wallet'] as const;
export type TargetKey = (typeof TARGET_KEYS)[number];
export const TARGET_TYPE_OF_KEY = {
  invoice: 'INVOICE',
  payment: 'PAYMENT',
  pricing_plan_subscription: 'PRICING_PLAN_SUBSCRIPTION',
  wallet: 'WALLET',
} as const;

/**
 * `WorkflowTriggerCreateRequest` after HTTP-level validation (the gateway checks `type`, exactly
 * one target, required ids and manual blocks, and reports Solvimon field errors).
 */
export const workflowTriggerCreateSchema = z.object({
  type: z.enum(['MANUAL', 'EVENT']),
  workflow_id: id,
  customer_id: z.string().max(200).nullable().optional(),
  invoice: invoiceTriggerSchema.optional(),
  payment: paymentTriggerSchema.optional(),
  pricing_plan_subscription: pricingPlanSubscriptionTriggerSchema.optional(),
  wallet: walletTriggerSchema.optional(),
});
export type WorkflowTriggerCreate = z.infer<typeof workflowTriggerCreateSchema>;

/** The command: the validated body, the caller's platform, and the idempotency key with the body's hash. */
export const createWorkflowTriggerRequestSchema = z.object({
  platformId: z.string().max(200),
  body: workflowTriggerCreateSchema,
  idempotencyKey: z.string().min(1).max(255).optional(),
  /** sha256 of the request body: the same key with another body is refused. */
  bodyHash: z.string().max(200).optional(),
});
export type CreateWorkflowTriggerRequest = z.infer<typeof createWorkflowTriggerRequestSchema>;

/** A `WorkflowTrigger` as the Solvimon API shows it. */
export const workflowTriggerSchema = z.object({
  object_type: z.literal('WORKFLOW_TRIGGER'),
  id: z.string(),
  customer_id: z.string().nullable(),
  workflow_id: z.string(),
  type: z.enum(['MANUAL', 'EVENT']),
  invoice: z.record(z.string(), z.unknown()).optional(),
  payment: z.record(z.string(), z.unknown()).optional(),
  pricing_plan_subscription: z.record(z.string(), z.unknown()).optional(),
  wallet: z.record(z.string(), z.unknown()).optional(),
});
export type WorkflowTrigger = z.infer<typeof workflowTriggerSchema>;

export const createWorkflowTriggerReplySchema = z.object({
  trigger: workflowTriggerSchema,
  /** True when an earlier request with the same idempotency key is replayed. */
  replayed: z.boolean(),
});

export const getWorkflowTriggerRequestSchema = z.object({ platformId: z.string().max(200), id: z.string().max(1000) });

/** Fields a search may filter on, and the ones free-text search looks at. */
export const WORKFLOW_TRIGGER_FILTER_FIELDS = [
  'id',
  'workflow_id',
  'customer_id',
  'type',
  'target_type',
  'invoice_id',
  'payment_id',
  'pricing_plan_subscription_id',
  'wallet_id',
] as const;
export const WORKFLOW_TRIGGER_ORDER_FIELDS = ['created_at', 'id', 'workflow_id', 'customer_id', 'type'] as const;

export const searchFieldSchema = z.object({
  name: z.string().max(100).nullable().optional(),
  value: z.string().max(1000),
  wildcard_start: z.boolean().optional(),
  wildcard_end: z.boolean().optional(),
  ignore_case: z.boolean().optional(),
});
export const filterFieldSchema = z.object({
  name: z.string().max(100),
  reference: z.string().max(1000).nullable().optional(),
  value: z.string().max(1000).nullable().optional(),
  values: z.array(z.string().max(1000)).max(1000).optional(),
});
export const selectionRuleFieldSchema = z.object({ name: z.string().max(100), value: z.string().max(1000).nullable().optional() });
export const searchBodySchema = z.object({
  search_fields: z.array(searchFieldSchema).max(50).optional(),
  filter_fields: z.array(filterFieldSchema).max(50).optional(),
  selection_rule_fields: z.array(selectionRuleFieldSchema).max(50).optional(),
});
export type SearchBody = z.infer<typeof searchBodySchema>;

export const searchWorkflowTriggersRequestSchema = z.object({
  platformId: z.string().max(200),
  search: searchBodySchema,
  page: z.number().int().min(1),
  limit: z.number().int().min(1).max(1000),
  orderBy: z.enum(WORKFLOW_TRIGGER_ORDER_FIELDS),
  orderDirection: z.enum(['asc', 'desc']),
});
export type SearchWorkflowTriggersRequest = z.infer<typeof searchWorkflowTriggersRequestSchema>;

export const searchWorkflowTriggersReplySchema = z.object({
  data: z.array(workflowTriggerSchema),
  total: z.number().int(),
});
