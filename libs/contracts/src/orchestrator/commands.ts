/** Commands served by the orchestrator (`<namespace>.` + name on the wire). */
export const ORCHESTRATOR_COMMANDS = {
  health: 'orchestrator.v1.health',
  info: 'orchestrator.v1.info',
  /** Get one workflow by id (deleted ones too, with `deletedAt`). Used by triggers to validate `workflowID`. */
  getWorkflow: 'orchestrator.v1.workflows.get',
  /** Start an instance of a workflow, idempotently when `idempotencyKey` is given. */
  startInstance: 'orchestrator.v1.instances.start',
  /** Start many instances in one transaction, each idempotent by its key; one result per item. */
  startManyInstances: 'orchestrator.v1.instances.start-many',
  listWorkflows: 'orchestrator.v1.workflows.list',
  createWorkflow: 'orchestrator.v1.workflows.create',
  deleteWorkflow: 'orchestrator.v1.workflows.delete',
  listInstances: 'orchestrator.v1.instances.list',
  getInstance: 'orchestrator.v1.instances.get',
  sendEvent: 'orchestrator.v1.instances.send-event',
  abortInstance: 'orchestrator.v1.instances.abort',
  /** Our extension: a failed instance runs again from its failed stage (docs/compatibility.md). */
  redriveInstance: 'orchestrator.v1.instances.redrive',
  /** Our extension: set or remove an instance's metadata keys. */
  setInstanceMetadata: 'orchestrator.v1.instances.set-metadata',
  /** Our extension: pause (queue or drop new starts) and resume a workflow. */
  pauseWorkflow: 'orchestrator.v1.workflows.pause',
  resumeWorkflow: 'orchestrator.v1.workflows.resume',
  /** Our extension: bulk actions as durable jobs. */
  createBulkJob: 'orchestrator.v1.bulk-jobs.create',
  getBulkJob: 'orchestrator.v1.bulk-jobs.get',
  listBulkJobs: 'orchestrator.v1.bulk-jobs.list',
  abortBulkJob: 'orchestrator.v1.bulk-jobs.abort',
  getInstanceHistory: 'orchestrator.v1.instances.history',
  getStageHistory: 'orchestrator.v1.instances.stage-history',
} as const;
