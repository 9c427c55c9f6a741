import { z } from 'zod';
import {
  triggerFlowStateSchema,
  triggerOccurrenceSchema,
  triggerSchema,
  triggerTestResultSchema,
  workflowInstanceSchema,
} from '@wfp/contracts';
import {
  dataOf,
  formanceErrorSchema,
  formanceWorkflowSchema,
  instanceHistoryResponseSchema,
  instanceResponseSchema,
  serverInfoSchema,
  stageHistoryResponseSchema,
  triggerResponseSchema,
  workflowResponseSchema,
} from './formance-v1-wire';

/**
 * The Formance Orchestration v2 wire shapes (`/api/orchestration/v2`): the single source of the
 * v2 list envelope's type (`CursorPage`, returned by `paging/CursorPaging`) and of the
 * `formance-v2` OpenAPI document (docs/openapi/formance-v2.json). v2 answers every non-list
 * operation and every error exactly as v1 (one implementation per operation), so those shapes are
 * v1's; v2 adds the cursor envelope and the trigger test.
 */

/** The largest `pageSize` (the v2 spec's maximum); larger values are capped, as upstream caps. */
export const MAX_PAGE_SIZE = 1000;

/** The v2 list envelope `{cursor: {pageSize, hasMore, previous?, next?, data}}` of `item`s. */
export function cursorOf<T extends z.ZodType>(item: T) {
  return z.object({
    cursor: z.object({
      pageSize: z.number().int().min(1).max(MAX_PAGE_SIZE).describe('The page size in effect (the default when none or 0 was asked)'),
      hasMore: z.boolean().describe('Whether rows follow this page (`next` is then set); always true on a page read with a `previous` cursor'),
      previous: z.string().optional().describe('Cursor of the page before this one (absent on the first page)'),
      next: z.string().optional().describe('Cursor of the page after this one (absent on the last page)'),
      data: z.array(item),
    }),
  });
}

/** A v2 list page of `T` (the type of `cursorOf(schemaOf<T>)`). */
export type CursorPage<T> = z.infer<ReturnType<typeof cursorOf<z.ZodType<T>>>>;

/** Errors: the same body as v1 (`V2Error` in the vendor's file). */
export const v2ErrorSchema = formanceErrorSchema;
export const v2ServerInfoSchema = serverInfoSchema;

export const v2ListWorkflowsResponseSchema = cursorOf(formanceWorkflowSchema);
export const v2WorkflowResponseSchema = workflowResponseSchema;
export const v2ListRunsResponseSchema = cursorOf(workflowInstanceSchema);
export const v2InstanceResponseSchema = instanceResponseSchema;
export const v2InstanceHistoryResponseSchema = instanceHistoryResponseSchema;
export const v2StageHistoryResponseSchema = stageHistoryResponseSchema;
export const v2ListTriggersResponseSchema = cursorOf(triggerSchema);
export const v2TriggerResponseSchema = triggerResponseSchema;
export const v2ListOccurrencesResponseSchema = cursorOf(triggerOccurrenceSchema);
/** `POST /v2/triggers/{triggerID}/test`: the filter's verdict and each variable's value or error. */
export const v2TestTriggerResponseSchema = dataOf(triggerTestResultSchema);
export type V2TestTriggerResponse = z.infer<typeof v2TestTriggerResponseSchema>;

/** `GET /v2/triggers/{triggerID}/flow` (extension): per-key running and queued counts of the trigger's flow control. */
export const v2TriggerFlowStateResponseSchema = dataOf(triggerFlowStateSchema);
export type V2TriggerFlowStateResponse = z.infer<typeof v2TriggerFlowStateResponseSchema>;

/** The body of a trigger test: the event payload, a JSON object (as a filter sees `event`). */
export const v2TestTriggerBodySchema = z.record(z.string(), z.unknown());

/** v2 list query parameters (a `cursor` overrides every other one). */
export const v2PagingQuerySchema = z.object({
  pageSize: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(`Rows per page: absent or 0 is the default (ORCHESTRATION_DEFAULT_PAGE_SIZE, 15); above ${MAX_PAGE_SIZE} is capped at ${MAX_PAGE_SIZE}; anything but a non-negative integer is a 400`),
  cursor: z
    .string()
    .optional()
    .describe('`next` or `previous` of a page (opaque, signed). It carries the list, its filters and page size: the other parameters are then ignored. A forged or foreign cursor is a 400'),
});
