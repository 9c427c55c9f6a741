import { z } from 'zod';

/**
 * Workflow lifecycle events the orchestrator publishes (through its outbox), as Formance
 * Orchestration does: `app` `orchestration`, `version` `v2`.
 */
export const WORKFLOW_EVENTS_APP = 'orchestration';
export const WORKFLOW_EVENTS_VERSION = 'v2';

export const workflowEventPayloadSchema = z.object({
  /** The workflow id. */
  id: z.string(),
  instanceID: z.string(),
  /** Our extension: the instance's metadata, on instance and stage events, when it has some. */
  metadata: z.record(z.string(), z.string()).optional(),
  /** Our extension, on instance and stage events: the trigger, schedule and bus event that started it. */
  triggerID: z.string().optional(),
  scheduleID: z.string().optional(),
  eventID: z.string().optional(),
});
export const failedWorkflowEventPayloadSchema = workflowEventPayloadSchema.extend({
  error: z.string(),
  /** Our extension: why it ended — `failed` (a stage failed), `canceled` (an abort), `canceled_by_event` (cancel_on). */
  cause: z.enum(['failed', 'canceled', 'canceled_by_event']).optional(),
  /** Our extension: the id of the bus event that canceled the instance (cancel_on). */
  canceledBy: z.string().optional(),
});
export const workflowStageEventPayloadSchema = workflowEventPayloadSchema.extend({ number: z.number().int().min(0) });
export const failedWorkflowStageEventPayloadSchema = workflowStageEventPayloadSchema.extend({
  error: z.string(),
  /** Our extension: `failed`, `canceled` (an abort) or `canceled_by_event` (cancel_on). */
  cause: z.enum(['failed', 'canceled', 'canceled_by_event']).optional(),
  /** Our extension: the id of the bus event that canceled the instance (cancel_on). */
  canceledBy: z.string().optional(),
});

/** Each lifecycle event type and its payload. */
export const WORKFLOW_EVENT_TYPES = {
  STARTED_WORKFLOW: workflowEventPayloadSchema,
  SUCCEEDED_WORKFLOW: workflowEventPayloadSchema,
  FAILED_WORKFLOW: failedWorkflowEventPayloadSchema,
  STARTED_WORKFLOW_STAGE: workflowStageEventPayloadSchema,
  SUCCEEDED_WORKFLOW_STAGE: workflowStageEventPayloadSchema,
  FAILED_WORKFLOW_STAGE: failedWorkflowStageEventPayloadSchema,
  /** Our extension: a failed instance runs again from stage `number` (a redrive). */
  REDRIVEN_WORKFLOW: workflowStageEventPayloadSchema,
} as const;
export type WorkflowEventType = keyof typeof WORKFLOW_EVENT_TYPES;
