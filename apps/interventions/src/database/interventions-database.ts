import { ServiceDatabaseOptions } from '@wfp/platform';
import { INTERVENTIONS_SCHEMA } from './schema';
import { InitInterventions1732000000000 } from './migrations/1732000000000-init-interventions';
import { InterventionsModel1732000001000 } from './migrations/1732000001000-interventions-model';
import { SystemActor1732000002000 } from './migrations/1732000002000-system-actor';

/** Entities of the interventions schema (registered here as features add them). */
export const INTERVENTIONS_ENTITIES: Function[] = [];

/** Migrations in the order they apply. */
export const INTERVENTIONS_MIGRATIONS: Function[] = [InitInterventions1732000000000, InterventionsModel1732000001000, SystemActor1732000002000];

export function interventionsDatabase(databaseUrl: string): ServiceDatabaseOptions {
  return {
    databaseUrl,
    schema: INTERVENTIONS_SCHEMA,
    entities: INTERVENTIONS_ENTITIES,
    migrations: INTERVENTIONS_MIGRATIONS,
  };
}
