import { z } from 'zod';

/**
 * Every command reply is `{ ok: true, data }` or `{ ok: false, error }`. Errors never travel as
 * thrown exceptions; the gateway maps `error.code` to each public API's own error format.
 */
export const ERROR_CODES = [
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'FORBIDDEN',
  'UNAUTHORIZED',
  'UNPROCESSABLE',
  'INTERNAL',
  /** A dependency of the service (its database) is unreachable right now: retry later (HTTP 503). */
  'UNAVAILABLE',
] as const;
export const errorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

export const replyErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  /** Optional machine-readable details (field paths, resource ids, per-API codes). */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ReplyError = z.infer<typeof replyErrorSchema>;

export function replySchema<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: replyErrorSchema }),
  ]);
}

export type Reply<T> = { ok: true; data: T } | { ok: false; error: ReplyError };

export function ok<T>(data: T): Reply<T> {
  return { ok: true, data };
}

export function fail<T = never>(code: ErrorCode, message: string, details?: Record<string, unknown>): Reply<T> {
  return details ? { ok: false, error: { code, message, details } } : { ok: false, error: { code, message } };
}
