import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { keysetKeySchema } from '@wfp/contracts';

/**
 * v2 list cursors: `base64url(JSON state) "." base64url(HMAC-SHA256(key, first part))`. Opaque to
 * clients; a cursor whose signature does not verify (tampered, truncated, or signed with another
 * key) or whose state is malformed decodes to undefined.
 */
export const cursorStateSchema = z
  .object({
    /** The list (`workflows`, `instances`, `triggers`, `occurrences`). */
    l: z.string(),
    /** The path parameters the cursor was issued for (occurrences: the trigger). */
    p: z.record(z.string(), z.string()),
    /** The list's filters, as read from the first request. */
    f: z.unknown(),
    /** Page size. */
    s: z.number().int().min(1).max(1000),
    /** Rows after this key … */
    a: keysetKeySchema.optional(),
    /** … or before it; neither: from the start. */
    b: keysetKeySchema.optional(),
  })
  .strict();
export type CursorState = z.infer<typeof cursorStateSchema>;

/** Longest cursor accepted (well above any this codec produces). */
const MAX_CURSOR_LENGTH = 8192;

export class CursorCodec {
  constructor(private readonly key: Buffer) {}

  encode(state: CursorState): string {
    const body = Buffer.from(JSON.stringify(state)).toString('base64url');
    return `${body}.${this.sign(body).toString('base64url')}`;
  }

  decode(cursor: string): CursorState | undefined {
    if (cursor.length > MAX_CURSOR_LENGTH) return undefined;
    const dot = cursor.indexOf('.');
    if (dot <= 0 || dot !== cursor.lastIndexOf('.')) return undefined;
    const body = cursor.slice(0, dot);
    const signature = cursor.slice(dot + 1);
    if (!/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]+$/.test(signature)) return undefined;
    const expected = this.sign(body);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const parsed = cursorStateSchema.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  private sign(body: string): Buffer {
    return createHmac('sha256', this.key).update(`wfp-orchestration-cursor.v1.${body}`).digest();
  }
}
