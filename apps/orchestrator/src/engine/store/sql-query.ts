import type { EntityManager } from 'typeorm';

/** Runs one SQL statement and answers its rows: over pg (`pgQuery`) or a TypeORM manager (`managerQuery`). */
export type SqlQuery = (text: string, values: unknown[]) => Promise<any[]>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A TypeORM manager as a SqlQuery (TypeORM answers UPDATE/DELETE … RETURNING with `[rows, count]`). */
export function managerQuery(manager: EntityManager): SqlQuery {
  return async (text, values) => {
    const result: unknown = await manager.query(text, values);
    if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0];
    return result as unknown[];
  };
}
