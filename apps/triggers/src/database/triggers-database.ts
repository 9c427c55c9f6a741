import { ServiceDatabaseOptions } from '@wfp/platform';
import { TRIGGERS_SCHEMA } from './schema';
import { InitTriggers1732000000000 } from './migrations/1732000000000-init-triggers';
import { TriggersModel1732000001000 } from './migrations/1732000001000-triggers-model';
import { InboxPruning1732000009200 } from './migrations/1732000009200-inbox-pruning';
import { TriggersOutboxTraceparent1732000014000 } from './migrations/1732000014000-outbox-traceparent';
import { Schedules1732000020000 } from '../schedules/database/1732000020000-schedules';
import { SchedulePlannedCalls1732000026000 } from '../schedules/database/1732000026000-schedule-planned-calls';
import { FlowControl1732000020000 } from './migrations/1732000020000-flow-control';
import { Replays1732000031000 } from './migrations/1732000031000-replays';
import { TriggerCancelOn1732000032000 } from './migrations/1732000032000-trigger-cancel-on';
import { FlowScope1732000034500 } from './migrations/1732000034500-flow-scope';
import { TriggerStreamSeq1732000035000 } from './migrations/1732000035000-trigger-stream-seq';
import { FlowSharedBuckets1732000036000 } from './migrations/1732000036000-flow-shared-buckets';

/** Entities of the triggers schema (registered here as features add them). */
export const TRIGGERS_ENTITIES: Function[] = [];

/** Migrations in the order they apply. */
export const TRIGGERS_MIGRATIONS: Function[] = [
  InitTriggers1732000000000,
  TriggersModel1732000001000,
  InboxPruning1732000009200,
  TriggersOutboxTraceparent1732000014000,
  Schedules1732000020000,
  FlowControl1732000020000,
  SchedulePlannedCalls1732000026000,
  Replays1732000031000,
  TriggerCancelOn1732000032000,
  FlowScope1732000034500,
  TriggerStreamSeq1732000035000,
  FlowSharedBuckets1732000036000,
];

export function triggersDatabase(databaseUrl: string, poolSize?: number): ServiceDatabaseOptions {
  return {
    databaseUrl,
    poolSize,
    schema: TRIGGERS_SCHEMA,
    entities: TRIGGERS_ENTITIES,
    migrations: TRIGGERS_MIGRATIONS,
  };
}
