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
  /** Our extension: present while the workflow is paused (new starts queued or dropped). */
  paused: z.object({ mode: z.enum(['queue', 'drop']), since: z.string() }).optional(),
});
export type Workflow = z.infer<typeof workflowSchema>;

/** Pause a workflow (our extension): new starts are queued until resume, or dropped (refused). */
export const pauseWorkflowRequestSchema = z.object({ id: z.string(), mode: z.enum(['queue', 'drop']).default('queue') });
export type PauseWorkflowRequest = z.infer<typeof pauseWorkflowRequestSchema>;
/**
 * A start refused because the workflow is paused in `drop` mode (code CONFLICT, `details.reason`
 * `paused`): final — a trigger records it as a skipped occurrence (reason `paused`), never retries it.
 */
export function isPausedRefusal(error: { code: string; details?: Record<string, unknown> }): boolean {
  return error.code === 'CONFLICT' && error.details?.reason === 'paused';
}

/** What a resume did: the queued starts it released. */
export const resumeWorkflowReplySchema = z.object({ released: z.number().int() });

export const getWorkflowRequestSchema = z.object({ id: z.string() });
export type GetWorkflowRequest = z.infer<typeof getWorkflowRequestSchema>;
