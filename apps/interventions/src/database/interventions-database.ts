import { ServiceDatabaseOptions } from '@wfp/platform';
import { INTERVENTIONS_SCHEMA } from './schema';
import { InitInterventions1732000000000 } from './migrations/1732000000000-init-interventions';
import { InterventionsModel1732000001000 } from './migrations/1732000001000-interventions-model';
import { ConflictsByLock1732000009100 } from './migrations/1732000009100-conflicts-by-lock';
import { InboxPruning1732000009200 } from './migrations/1732000009200-inbox-pruning';
import { SystemActor1732000009300 } from './migrations/1732000009300-system-actor';
import { InterventionsOutboxTraceparent1732000014000 } from './migrations/1732000014000-outbox-traceparent';

/** Entities of the interventions schema (registered here as features add them). */
export const INTERVENTIONS_ENTITIES: Function[] = [];

/** Migrations in the order they apply. */
export const INTERVENTIONS_MIGRATIONS: Function[] = [
  InitInterventions1732000000000,
  InterventionsModel1732000001000,
  ConflictsByLock1732000009100,
  InboxPruning1732000009200,
  SystemActor1732000009300,
  InterventionsOutboxTraceparent1732000014000,
];

export function interventionsDatabase(databaseUrl: string): ServiceDatabaseOptions {
  return {
    databaseUrl,
    schema: INTERVENTIONS_SCHEMA,
    entities: INTERVENTIONS_ENTITIES,
    migrations: INTERVENTIONS_MIGRATIONS,
  };
}
