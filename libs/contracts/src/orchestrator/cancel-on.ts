import { z } from 'zod';
import { fieldName, parsePolicyDuration } from '../triggers/policy';

/**
 * `cancel_on` (our extension, docs/cancel-on.md), on a workflow's config or on a trigger: an
 * instance is canceled by the first bus event that matches one of its matchers — of type `event`,
 * satisfying `if` (CEL over `event`, the payload of the event that started the instance, `vars`,
 * its variables at its start, and `async`, the incoming event's payload), published no later than `within` after the instance started and no
 * earlier than `lookback` before it. The cancel takes effect between stages: an acting stage's
 * call in flight completes, nothing after it runs.
 */

/** Longest `within` / `lookback`: 30 days (`lookback` at most 1 day: the recent events kept). */
export const CANCEL_ON_MAX_WITHIN_MS = 30 * 86_400_000;
export const CANCEL_ON_MAX_LOOKBACK_MS = 86_400_000;
const EVENT_TYPE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

const duration = (max: number, what: string) =>
  z
    .string()
    .describe(`A duration (${what}): \`500ms\`, \`10s\`, \`5m\`, \`1h\`, \`1d\``)
    .refine((text) => parsePolicyDuration(text) !== undefined, 'must be a duration like 500ms, 10s, 5m, 1h or 1d')
    .refine((text) => (parsePolicyDuration(text) ?? 0) <= max, `must be at most ${max / 86_400_000}d`);

export const cancelMatcherSchema = z
  .object({
    event: z.string().min(1).max(200).regex(EVENT_TYPE, 'must be an event type like order.cancelled').describe('The event type that cancels'),
    if: z.string().min(1).max(4000).optional().describe('CEL over `event` (the triggering payload), `vars` (the variables at start) and `async` (the incoming payload)'),
    within: duration(CANCEL_ON_MAX_WITHIN_MS, 'how long after the start the matcher holds').optional(),
    lookback: duration(CANCEL_ON_MAX_LOOKBACK_MS, 'how far before the start a cancel still counts').optional(),
  })
  .strict();
export type CancelMatcher = z.infer<typeof cancelMatcherSchema>;

export const cancelOnSchema = z.array(cancelMatcherSchema).min(1).max(10).describe('Cancel the instance on a bus event (extension)');
export type CancelOn = z.infer<typeof cancelOnSchema>;

/** `cancel_on[1].if`-style name of a zod issue's path under `cancel_on`. */
export function cancelOnFieldName(path: ReadonlyArray<PropertyKey>): string {
  return fieldName('cancel_on', path);
}

/** A matcher's lookback in milliseconds (0 without one). */
export function lookbackMs(matcher: CancelMatcher): number {
  return matcher.lookback ? parsePolicyDuration(matcher.lookback) ?? 0 : 0;
}

/** The longest lookback per event type among `matchers` (types without one are absent). */
export function longestLookbacks(matchers: Iterable<CancelMatcher>): Map<string, number> {
  const longest = new Map<string, number>();
  for (const m of matchers) {
    const ms = lookbackMs(m);
    if (ms > 0) longest.set(m.event, Math.max(ms, longest.get(m.event) ?? 0));
  }
  return longest;
}
