import type { DataSource } from 'typeorm';
import type { NatsConnection } from 'nats';
import type { DependencyStatus } from '@wfp/contracts';

/** `up` when Postgres answers `SELECT 1` within the timeout. */
export async function checkPostgres(dataSource: DataSource, timeoutMs = 2000): Promise<DependencyStatus> {
  try {
    await Promise.race([
      dataSource.query('SELECT 1'),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', error: (error as Error).message };
  }
}

/** `up` when the NATS connection is open. */
export function checkNats(nc: NatsConnection): DependencyStatus {
  return nc.isClosed() ? { status: 'down', error: 'connection closed' } : { status: 'up' };
}
