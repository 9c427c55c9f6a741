import { ServiceDatabaseOptions } from '@wfp/platform';
import { ORCHESTRATOR_SCHEMA } from './schema';
import { InitOrchestrator1732000000000 } from './migrations/1732000000000-init-orchestrator';
import { WorkflowEngine1732000000001 } from './migrations/1732000000001-workflow-engine';
import { SetBasedEngine1732000000002 } from './migrations/1732000000002-set-based-engine';
import { EngineWithoutChildForeignKeys1732000000003 } from './migrations/1732000000003-engine-without-child-foreign-keys';
import { ActingStages1732000000015 } from './migrations/1732000000015-acting-stages';
import { OrchestratorOutboxTraceparent1732000014000 } from './migrations/1732000014000-outbox-traceparent';
import { Redrive1732000019000 } from './migrations/1732000019000-redrive';
import { InstanceMetadata1732000023000 } from './migrations/1732000023000-instance-metadata';
import { BulkJobs1732000023001 } from './migrations/1732000023001-bulk-jobs';
import { WorkflowPause1732000023002 } from './migrations/1732000023002-workflow-pause';
import { InstanceOrigin1732000025000 } from './migrations/1732000025000-instance-origin';
import { CancelOn1732000033000 } from './migrations/1732000033000-cancel-on';
import { WaitForEvents1732000034000 } from './migrations/1732000034000-wait-for-events';
import { BusWaitTypes1732000036000 } from './migrations/1732000036000-bus-wait-types';

/** Entities of the orchestrator schema (registered here as features add them). */
export const ORCHESTRATOR_ENTITIES: Function[] = [];

/** Migrations in the order they apply. */
export const ORCHESTRATOR_MIGRATIONS: Function[] = [
  InitOrchestrator1732000000000,
  WorkflowEngine1732000000001,
  SetBasedEngine1732000000002,
  EngineWithoutChildForeignKeys1732000000003,
  ActingStages1732000000015,
  OrchestratorOutboxTraceparent1732000014000,
  Redrive1732000019000,
  InstanceMetadata1732000023000,
  BulkJobs1732000023001,
  WorkflowPause1732000023002,
  InstanceOrigin1732000025000,
  CancelOn1732000033000,
  WaitForEvents1732000034000,
  BusWaitTypes1732000036000,
];

export function orchestratorDatabase(databaseUrl: string): ServiceDatabaseOptions {
  return {
    databaseUrl,
    schema: ORCHESTRATOR_SCHEMA,
    entities: ORCHESTRATOR_ENTITIES,
    migrations: ORCHESTRATOR_MIGRATIONS,
  };
}
