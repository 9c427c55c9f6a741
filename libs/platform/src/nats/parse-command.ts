import { z } from 'zod';
import { fail, Reply } from '@wfp/contracts';

/** Human-readable summary of zod issues: `path: message; path: message`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/**
 * Validates a command payload at the service boundary. Returns the parsed value, or a
 * VALIDATION reply to send back as is.
 */
export function parseCommand<T extends z.ZodType>(
  schema: T,
  payload: unknown,
): { ok: true; value: z.infer<T> } | { ok: false; reply: Reply<never> } {
  const result = schema.safeParse(payload);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, reply: fail('VALIDATION', formatIssues(result.error)) };
}
