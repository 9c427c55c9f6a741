import type { KeysetPage } from '@wfp/contracts';

/**
 * SQL of one keyset page over rows ordered by (`createdAt`, `id`) ascending, the order every
 * list uses. The comparison is a row comparison on the two columns, so an index on them serves
 * it. Keys are taken from list items (millisecond ISO strings); the services write those
 * columns from the JS clock (millisecond values), so a key equals its row's stored value.
 *
 * Without a page: the whole ascending order, no limit (the v1 lists).
 */
export interface KeysetSql {
  /** A condition to AND into the WHERE clause, or undefined. */
  condition?: string;
  orderBy: string;
  /** `LIMIT $n`, or '' without a page. */
  limit: string;
  /** Rows come back descending (a `before` page): reverse them to restore ascending order. */
  reversed: boolean;
}

/** Builds the page's SQL; pushes its parameters onto `params` (placeholders numbered after them). */
export function keysetSql(
  page: KeysetPage | undefined,
  columns: { createdAt: string; id: string },
  params: unknown[],
): KeysetSql {
  const ascending = `${columns.createdAt}, ${columns.id}`;
  if (!page) return { orderBy: ascending, limit: '', reversed: false };
  const key = page.after ?? page.before;
  let condition: string | undefined;
  if (key) {
    params.push(key.createdAt, key.id);
    const op = page.after ? '>' : '<';
    condition = `(${columns.createdAt}, ${columns.id}) ${op} ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
  }
  params.push(page.limit);
  const reversed = page.before !== undefined;
  return {
    condition,
    orderBy: reversed ? `${columns.createdAt} DESC, ${columns.id} DESC` : ascending,
    limit: `LIMIT $${params.length}`,
    reversed,
  };
}
