import { z } from 'zod';

/** Commands served by the interventions service. */
export const INTERVENTIONS_COMMANDS = {
  health: 'interventions.v1.health',
  list: 'interventions.v1.list',
  get: 'interventions.v1.get',
  create: 'interventions.v1.create',
  close: 'interventions.v1.close',
  cancel: 'interventions.v1.cancel',
  reassign: 'interventions.v1.reassign',
  categorize: 'interventions.v1.categorize',
  updateCustomFields: 'interventions.v1.updateCustomFields',
  reply: 'interventions.v1.reply',
  /**
   * An action by a system actor (the orchestrator's `intervention` stage): no token; the actor is
   * a user id (default: the built-in system user), whose role and source permissions are checked
   * like anyone's. Idempotent by `idempotency_key`. Internal: the gateway never sends it.
   */
  systemAction: 'interventions.v1.systemAction',
} as const;

const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-hex id');
const token = z.string().min(1).max(256);

export const INTERVENTION_STATUSES = ['active', 'closed', 'deferred', 'opened', 'reopened'] as const;

export const listInterventionsRequestSchema = z.object({
  token,
  thread_id: objectId.optional(),
  user_id: objectId.optional(),
  identity_group_id: objectId.optional(),
  identity_id: z.array(objectId).max(150).optional(),
  status: z.enum(INTERVENTION_STATUSES).optional(),
  sort: z.enum(['created_at', 'updated_at']).default('created_at'),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(150).default(30),
});
export type ListInterventionsRequest = z.infer<typeof listInterventionsRequestSchema>;

export const interventionIdRequestSchema = z.object({ token, id: z.string().max(64) });
/**
 * Close and cancel. `received_at` is deprecated and ignored (kept so older gateways still parse):
 * a conflict is decided by the row lock alone — 409 exactly while another close/cancel holds it.
 */
export const interventionChangeRequestSchema = interventionIdRequestSchema.extend({ received_at: z.number().optional() });
export const createInterventionRequestSchema = z.object({ token, content_id: z.string().max(64) });
export const reassignInterventionRequestSchema = z.object({ token, id: z.string().max(64), user_id: z.string().max(64) });
export const categorizeInterventionRequestSchema = z.object({
  token,
  id: z.string().max(64),
  category_ids: z.array(z.string().max(64)).max(500),
});
export const updateCustomFieldsRequestSchema = z.object({
  token,
  id: z.string().max(64),
  custom_field_values: z.record(z.string().max(128), z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()])),
});
export const replyRequestSchema = z.object({ token, in_reply_to_id: z.string().max(64), body: z.string().min(1).max(100_000) });

/** Engage Intervention as the API returns it. */
export const interventionSchema = z.object({
  id: z.string(),
  category_ids: z.array(z.string()),
  closed: z.boolean(),
  closed_at: z.string().nullable(),
  comments_count: z.number(),
  content_id: z.string(),
  created_at: z.string(),
  custom_fields: z.record(z.string(), z.unknown()),
  deferred_at: z.string().nullable(),
  detected_language: z.string().nullable(),
  first_user_reply_id: z.string().nullable(),
  first_user_reply_in: z.number().nullable(),
  first_user_reply_in_bh: z.number().nullable(),
  identity_id: z.string().nullable(),
  identity_group_id: z.string().nullable(),
  last_user_reply_in: z.number().nullable(),
  last_user_reply_in_bh: z.number().nullable(),
  source_id: z.string(),
  status: z.string(),
  thread_id: z.string(),
  updated_at: z.string(),
  user_id: z.string().nullable(),
  user_replies_count: z.number(),
  user_reply_in_average: z.number(),
  user_reply_in_average_bh: z.number(),
  user_reply_in_average_count: z.number(),
});
export type Intervention = z.infer<typeof interventionSchema>;

export const interventionListSchema = z.object({
  count: z.number(),
  offset: z.number(),
  limit: z.number(),
  records: z.array(interventionSchema),
});
export type InterventionList = z.infer<typeof interventionListSchema>;

export const contentSchema = z.object({
  id: z.string(),
  source_id: z.string(),
  thread_id: z.string(),
  identity_id: z.string().nullable(),
  author_id: z.string().nullable(),
  in_reply_to_id: z.string().nullable(),
  intervention_id: z.string().nullable(),
  body: z.string(),
  created_at: z.string(),
});
export type Content = z.infer<typeof contentSchema>;

/** The built-in system user (created by the interventions service's migrations) that automations act as. */
export const SYSTEM_ACTOR_USER_ID = '000000000000000000000001';
export const SYSTEM_ACTOR_ROLE_ID = '000000000000000000000001';

export const SYSTEM_ACTIONS = ['reassign', 'categorize', 'close', 'set_custom_fields'] as const;
export type SystemActionName = (typeof SYSTEM_ACTIONS)[number];

const systemActionBase = z.object({
  /** The acting user; absent: the built-in system user. */
  actor_user_id: objectId.optional(),
  id: z.string().max(64),
  /** Replays of the same key answer the first result without acting again. */
  idempotency_key: z.string().min(1).max(200),
});
export const systemActionRequestSchema = z.discriminatedUnion('action', [
  systemActionBase.extend({ action: z.literal('reassign'), user_id: z.string().max(64) }),
  systemActionBase.extend({ action: z.literal('categorize'), category_ids: z.array(z.string().max(64)).max(500) }),
  systemActionBase.extend({ action: z.literal('close') }),
  systemActionBase.extend({
    action: z.literal('set_custom_fields'),
    custom_field_values: updateCustomFieldsRequestSchema.shape.custom_field_values,
  }),
]);
export type SystemActionRequest = z.infer<typeof systemActionRequestSchema>;
