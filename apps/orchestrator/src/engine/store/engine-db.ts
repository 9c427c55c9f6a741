import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool, PoolClient, QueryResultRow } from 'pg';
import { APP_CONFIG, observePgPool } from '@wfp/platform';
import { OrchestratorConfig } from '../../config';
import type { SqlQuery } from './sql-query';

/** A named SQL statement: prepared once per connection, then only bound and executed. */
export interface Statement<Row extends QueryResultRow> {
  readonly name: string;
  readonly text: string;
  /** Phantom: the row type the statement returns. */
  readonly row?: Row;
}

export function sql<Row extends QueryResultRow = Record<string, never>>(name: string, text: string): Statement<Row> {
  return { name: `orchestrator.${name}`, text };
}

/** Something statements run on: the pool (autocommit) or a transaction's client. */
export type Queryable = Pick<Pool, 'query'> | PoolClient;

export async function run<Row extends QueryResultRow>(db: Queryable, statement: Statement<Row>, values: unknown[]): Promise<Row[]> {
  const result = await db.query<Row>({ name: statement.name, text: statement.text, values });
  return result.rows;
}

/** Plain SQL on a Queryable (for code written against `SqlQuery`): the rows. */
export function pgQuery(db: Queryable): SqlQuery {
  return async (text, values) => (await db.query(text, values)).rows;
}

/**
 * The engine's own `pg` pool (no ORM on the hot path): `ORCHESTRATOR_DB_POOL_SIZE` connections;
 * statements are named, so each connection parses and plans them once.
 */
@Injectable()
export class EngineDb implements OnApplicationShutdown {
  readonly pool: Pool;
  private readonly unobserve: () => void;

  constructor(@Inject(APP_CONFIG) config: OrchestratorConfig) {
    this.pool = new Pool({
      connectionString: config.DATABASE_URL,
      max: config.ORCHESTRATOR_DB_POOL_SIZE,
      connectionTimeoutMillis: 5000,
      application_name: 'orchestrator-engine',
    });
    // An idle client's error (Postgres restarted) must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
    // In use / idle / waiting, read at scrape time (wfp_pg_pool_*{pool="orchestrator-engine"}).
    this.unobserve = observePgPool('orchestrator-engine', this.pool);
  }

  /** Runs `work` in one transaction (READ COMMITTED); rolls back when it throws. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.unobserve();
    await this.pool.end();
  }
}

