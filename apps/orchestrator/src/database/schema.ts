/** The Postgres schema the orchestrator owns. No other service reads or writes it. */
export const ORCHESTRATOR_SCHEMA = 'orchestrator';
