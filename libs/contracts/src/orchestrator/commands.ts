/** Commands served by the orchestrator (`<namespace>.` + name on the wire). */
export const ORCHESTRATOR_COMMANDS = {
  health: 'orchestrator.v1.health',
  info: 'orchestrator.v1.info',
  /** Get one workflow by id (deleted ones too, with `deletedAt`). Used by triggers to validate `workflowID`. */
  getWorkflow: 'orchestrator.v1.workflows.get',
  /** Start an instance of a workflow, idempotently when `idempotencyKey` is given. */
  startInstance: 'orchestrator.v1.instances.start',
} as const;
