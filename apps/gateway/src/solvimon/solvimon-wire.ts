import { z } from 'zod';
import { searchBodySchema, workflowTriggerCreateSchema, workflowTriggerSchema } from '@wfp/contracts';

/**
 * The Solvimon Workflow Triggers wire shapes the gateway answers with: the single source of the
 * controller's return types and of the `solvimon` OpenAPI document (docs/openapi/solvimon.json).
 */

/** Solvimon `ApiError`: `type` `API_ERROR` for 5xx, else `INVALID_REQUEST`. */
export const solvimonApiErrorSchema = z.object({
  type: z.enum(['INVALID_REQUEST', 'API_ERROR']),
  code: z.string(),
  message: z.string(),
  field: z.string().optional(),
  resource_id: z.string().optional(),
  resource_type: z.string().optional(),
});
export type SolvimonApiError = z.infer<typeof solvimonApiErrorSchema>;

export const solvimonWorkflowTriggerSchema = workflowTriggerSchema;

/** A page of workflow triggers with its navigation links (`null` when there is no such page). */
export const workflowTriggerPageSchema = z.object({
  data: z.array(workflowTriggerSchema),
  links: z.object({
    first: z.string().nullable(),
    previous: z.string().nullable(),
    current: z.string().nullable(),
    next: z.string().nullable(),
  }),
  limit: z.number().int(),
  page: z.number().int(),
  total_number_of_pages: z.number().int(),
});
export type WorkflowTriggerPage = z.infer<typeof workflowTriggerPageSchema>;

export const createWorkflowTriggerBodySchema = workflowTriggerCreateSchema;
export const searchWorkflowTriggersBodySchema = searchBodySchema;
