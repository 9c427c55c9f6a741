/** Commands served by the triggers service. */
export const TRIGGERS_COMMANDS = {
  health: 'triggers.v1.health',
  /** Formance v1 trigger operations. */
  listTriggers: 'triggers.v1.triggers.list',
  createTrigger: 'triggers.v1.triggers.create',
  getTrigger: 'triggers.v1.triggers.get',
  deleteTrigger: 'triggers.v1.triggers.delete',
  listOccurrences: 'triggers.v1.triggers.occurrences',
  /** Evaluate a trigger's filter and vars against an event without starting anything (v2 test, console "try it"). */
  testTrigger: 'triggers.v1.triggers.test',
  /** Flow control (extension): per-key running and queued counts of a trigger. */
  flowState: 'triggers.v1.triggers.flow-state',
  /** Event replay through triggers (extension): durable jobs over the events stream. */
  createReplay: 'triggers.v1.replays.create',
  listReplays: 'triggers.v1.replays.list',
  getReplay: 'triggers.v1.replays.get',
  abortReplay: 'triggers.v1.replays.abort',
  /** Solvimon workflow-trigger records. */
  createWorkflowTrigger: 'triggers.v1.workflowTriggers.create',
  getWorkflowTrigger: 'triggers.v1.workflowTriggers.get',
  searchWorkflowTriggers: 'triggers.v1.workflowTriggers.search',
} as const;
