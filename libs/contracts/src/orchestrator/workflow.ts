import { z } from 'zod';

/** A workflow's config as stored (verbatim): `{ name?, stages: [{ <kind>: {...} }] }`. */
export const workflowConfigSchema = z.object({
  name: z.string().optional(),
  stages: z.array(z.record(z.string(), z.unknown())),
}).passthrough();
export type WorkflowConfig = z.infer<typeof workflowConfigSchema>;

/** A workflow as the Formance v1 API shows it (RFC 3339 timestamps with `Z`). */
export const workflowSchema = z.object({
  id: z.string(),
  config: workflowConfigSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Present (not part of the Formance wire shape) when the workflow is soft-deleted. */
  deletedAt: z.string().optional(),
});
export type Workflow = z.infer<typeof workflowSchema>;

export const getWorkflowRequestSchema = z.object({ id: z.string() });
export type GetWorkflowRequest = z.infer<typeof getWorkflowRequestSchema>;
