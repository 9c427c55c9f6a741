import type { z } from 'zod';
import type { KeysetKey, KeysetPage } from '@wfp/contracts';

/**
 * One list operation, shared by v1 and v2: how its filters are read from the query string, how
 * the owning service is asked for rows (all of them, or one keyset page), and each item's key.
 * The versions differ only in how they page it (v1: everything in `{data}`; v2: cursors).
 */
export interface ListSource<T, F> {
  /** Names the list inside v2 cursors (a cursor of one list is refused by another). */
  readonly name: string;
  /** The shape of the filters as stored in a cursor. */
  readonly filtersSchema: z.ZodType<F>;
  /** The filters of the query string and path; throws a 400 ApiError on a bad one. */
  filtersFrom(query: Record<string, unknown>, path: Record<string, string>): F;
  /** The rows matching `filters`: all of them, or the page. */
  fetch(filters: F, page: KeysetPage | undefined, requestId?: string): Promise<T[]>;
  /** The item's (createdAt, id) key, as the service orders by. */
  keyOf(item: T): KeysetKey;
}

/** The v1 list shape: every matching item, `{"data": [...]}`. */
export async function listAll<T, F>(
  source: ListSource<T, F>,
  query: Record<string, unknown>,
  path: Record<string, string>,
  requestId?: string,
): Promise<{ data: T[] }> {
  return { data: await source.fetch(source.filtersFrom(query, path), undefined, requestId) };
}
