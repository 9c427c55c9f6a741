import { metadataSchema } from '@wfp/contracts';
import { ApiError } from '../../http/api-error';

/**
 * `metadata[<key>]=<value>` query params (our extension: instance metadata at start, and as a
 * search filter), read whether the query parser nested them (`{metadata: {key: value}}`) or kept
 * the keys flat. Undefined when there are none; a bad key or value is a 400 naming the param.
 */
export function metadataFromQuery(query: Record<string, unknown>): Record<string, string> | undefined {
  const entries: Array<[string, unknown]> = [];
  const nested = query.metadata;
  if (nested !== undefined) {
    if (nested === null || typeof nested !== 'object' || Array.isArray(nested)) throw new ApiError(400, 'VALIDATION', "invalid 'metadata' query param: use metadata[<key>]=<value>");
    entries.push(...Object.entries(nested));
  }
  for (const [name, value] of Object.entries(query)) {
    const key = /^metadata\[(.*)\]$/.exec(name)?.[1];
    if (key !== undefined) entries.push([key, value]);
  }
  if (entries.length === 0) return undefined;
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new ApiError(400, 'VALIDATION', `invalid 'metadata[${key}]' query param: one string value`);
  }
  const parsed = metadataSchema.safeParse(Object.fromEntries(entries));
  if (!parsed.success) throw new ApiError(400, 'VALIDATION', `invalid 'metadata' query param: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}
