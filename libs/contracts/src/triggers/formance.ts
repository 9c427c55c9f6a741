import { z } from 'zod';
import { cancelOnSchema } from '../orchestrator/cancel-on';
import { workflowInstanceSchema } from '../orchestrator/instance';
import { keysetPageSchema } from '../paging';
import { OCCURRENCE_OUTCOMES, triggerPolicySchema } from './policy';

/**
 * createTrigger: the TriggerData body as the client sent it. Checked by the triggers service in
 * upstream order (event, workflowID, filter, vars, then the workflow's existence).
 */
export const createTriggerRequestSchema = z.object({ data: z.unknown() });
export type CreateTriggerRequest = z.infer<typeof createTriggerRequestSchema>;

/** A Formance trigger as the v1 API shows it. */
export const triggerSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  event: z.string(),
  version: z.string().optional(),
  workflowID: z.string(),
  filter: z.string().optional(),
  vars: z.record(z.string(), z.string()).optional(),
  /** Flow control (extension, docs/triggers.md#flow-control-policy); absent when the trigger has none. */
  policy: triggerPolicySchema.optional(),
  /** Cancel each instance it starts on a bus event (extension, docs/triggers.md#cancel-on); absent when the trigger has none. */
  cancel_on: cancelOnSchema.optional(),
  createdAt: z.string(),
});
export type Trigger = z.infer<typeof triggerSchema>;

/** listTriggers: `name` filters; `page` asks for one keyset page instead of every match. */
export const listTriggersRequestSchema = z.object({ name: z.string().max(1000).optional(), page: keysetPageSchema.optional() });
export type ListTriggersRequest = z.infer<typeof listTriggersRequestSchema>;

export const triggerIdRequestSchema = z.object({ id: z.string().max(1000) });
export type TriggerIdRequest = z.infer<typeof triggerIdRequestSchema>;

/** listOccurrences: a trigger's occurrences, ordered by (date, id); `page` for one keyset page. */
export const listOccurrencesRequestSchema = triggerIdRequestSchema.extend({ page: keysetPageSchema.optional() });
export type ListOccurrencesRequest = z.infer<typeof listOccurrencesRequestSchema>;

/** One firing of a trigger: the instance it started, or the error of its vars. */
export const triggerOccurrenceSchema = z.object({
  id: z.string(),
  triggerID: z.string(),
  date: z.string(),
  /** The full event envelope. */
  event: z.record(z.string(), z.unknown()),
  workflowInstanceID: z.string().optional(),
  workflowInstance: workflowInstanceSchema.optional(),
  error: z.string().optional(),
  /** Flow control (extension): present on occurrences of triggers with a policy. */
  outcome: z.enum(OCCURRENCE_OUTCOMES).optional(),
  /** Why it was queued or skipped (`concurrency`, `throttle`, `debounce`, `rate_limited`, `singleton`, `debounced`, `idempotent`). */
  reason: z.string().optional(),
  /** The occurrence whose start canceled this one's instance (singleton `cancel`). */
  canceledBy: z.string().optional(),
  /** Event replay (extension): the replay that fired this occurrence. */
  replayID: z.string().optional(),
});
export type TriggerOccurrence = z.infer<typeof triggerOccurrenceSchema>;

/** `app`/`version` of the trigger lifecycle events (as upstream: the orchestration service's). */
export const TRIGGER_EVENTS_APP = 'orchestration';
export const TRIGGER_EVENTS_VERSION = 'v2';
export const SUCCEEDED_TRIGGER = 'SUCCEEDED_TRIGGER';
export const FAILED_TRIGGER = 'FAILED_TRIGGER';

export const succeededTriggerPayloadSchema = z.object({
  /** The occurrence id. */
  id: z.string(),
  triggerID: z.string(),
  workflowInstanceID: z.string(),
});
export type SucceededTriggerPayload = z.infer<typeof succeededTriggerPayloadSchema>;

export const failedTriggerPayloadSchema = z.object({
  id: z.string(),
  triggerID: z.string(),
  error: z.string(),
});
export type FailedTriggerPayload = z.infer<typeof failedTriggerPayloadSchema>;

/**
 * testTrigger: `event` is the event payload as a filter sees it (`event.*`). Nothing is started
 * and nothing is recorded. Unknown trigger → NOT_FOUND.
 */
export const testTriggerRequestSchema = z.object({ id: z.string().max(1000), event: z.record(z.string(), z.unknown()) });
export type TestTriggerRequest = z.infer<typeof testTriggerRequestSchema>;

/** Formance v2 `V2TriggerTest`: the filter's verdict and each variable's value, or their errors. */
export const triggerTestResultSchema = z.object({
  filter: z.object({ match: z.boolean(), error: z.string().optional() }).optional(),
  variables: z.record(z.string(), z.object({ value: z.string().optional(), error: z.string().optional() })).optional(),
});
export type TriggerTestResult = z.infer<typeof triggerTestResultSchema>;
