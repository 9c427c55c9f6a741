import { z } from 'zod';
import { UUID_PATTERN } from './uuid';

/**
 * Keyset paging of list commands: rows are ordered by (createdAt, id) ascending and a page is
 * the `limit` rows strictly after a key, strictly before a key (still returned ascending), or
 * from the start. Rows inserted while a client pages never shift the rows it has not seen yet.
 */
export const keysetKeySchema = z.object({
  /** The row's `createdAt` (for occurrences: `date`), as the list item shows it (ISO 8601, ms). */
  createdAt: z.iso.datetime({ offset: true }),
  /** Row ids are UUIDs in every keyset-paged table. */
  id: z.string().regex(UUID_PATTERN, 'must be a UUID'),
});
export type KeysetKey = z.infer<typeof keysetKeySchema>;

export const keysetPageSchema = z
  .object({
    after: keysetKeySchema.optional(),
    before: keysetKeySchema.optional(),
    /** Rows to return (callers ask one more than they show to learn whether more follow). */
    limit: z.number().int().min(1).max(1001),
  })
  .refine((page) => !(page.after && page.before), { message: 'after and before are exclusive' });
export type KeysetPage = z.infer<typeof keysetPageSchema>;
