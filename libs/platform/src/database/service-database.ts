import { Client } from 'pg';
import { DataSource, MixedList, EntitySchema } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

type EntityList = MixedList<Function | string | EntitySchema>;
type MigrationList = MixedList<Function | string>;

export interface ServiceDatabaseOptions {
  databaseUrl: string;
  /** The Postgres schema the service owns; nothing outside it is touched. */
  schema: string;
  entities: EntityList;
  migrations: MigrationList;
  poolSize?: number;
}

/** TypeORM options for a service's own schema: migrations table inside it, never `synchronize`. */
export function serviceDataSourceOptions(options: ServiceDatabaseOptions): PostgresConnectionOptions {
  return {
    type: 'postgres',
    url: options.databaseUrl,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: options.poolSize ?? 10, connectionTimeoutMillis: 5000 },
  };
}

/** Creates the database named in `databaseUrl` when it does not exist yet (local first start). */
export async function ensureDatabaseExists(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${quoteIdent(database)}`).catch((error: { code?: string }) => {
        // 42P04 or 23505: created concurrently by another service
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

export function quoteIdent(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/**
 * Runs a service's pending migrations: creates its schema, then applies each migration in its own
 * transaction. A session advisory lock keeps two replicas starting at once from racing.
 * Returns the names of the migrations applied.
 */
export async function runServiceMigrations(options: ServiceDatabaseOptions): Promise<string[]> {
  const lock = new Client({ connectionString: options.databaseUrl });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`migrate:${options.schema}`]);
    await lock.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`);
    const dataSource = new DataSource({ ...serviceDataSourceOptions(options), poolSize: 1 } as PostgresConnectionOptions);
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((migration) => migration.name);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await lock.end();
  }
}
