import { Client } from 'pg';
import { createTestDatabase } from './test-database';

export interface SchemasTouched {
  /** Schemas that exist after the migrations, besides Postgres' own and `public`. */
  schemas: string[];
  /** Schemas holding at least one table, view or sequence. */
  schemasWithRelations: string[];
  /** Whether `public` got any relation. */
  publicRelations: string[];
  /** Names of the migrations applied. */
  applied: string[];
}

/**
 * Runs `migrate` against a fresh database and reports which schemas it created or filled, so a
 * service's test can assert that its migrations touch its own schema only.
 */
export async function schemasTouchedBy(migrate: (databaseUrl: string) => Promise<string[]>): Promise<SchemasTouched> {
  const database = await createTestDatabase('migrations');
  try {
    const applied = await migrate(database.url);
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const system = `('pg_catalog', 'information_schema', 'pg_toast')`;
      const schemas = await client.query<{ name: string }>(
        `SELECT nspname AS name FROM pg_namespace
          WHERE nspname NOT IN ${system} AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'
            AND nspname <> 'public' ORDER BY 1`,
      );
      const relations = await client.query<{ schema: string; name: string }>(
        `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname NOT IN ${system} ORDER BY 1, 2`,
      );
      return {
        schemas: schemas.rows.map((r) => r.name),
        schemasWithRelations: [...new Set(relations.rows.map((r) => r.schema))].filter((s) => s !== 'public'),
        publicRelations: relations.rows.filter((r) => r.schema === 'public').map((r) => r.name),
        applied,
      };
    } finally {
      await client.end();
    }
  } finally {
    await database.drop();
  }
}
