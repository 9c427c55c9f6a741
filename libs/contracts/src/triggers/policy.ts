import { z } from 'zod';

/**
 * A trigger's flow-control `policy` (our extension of Formance's TriggerData, see
 * docs/triggers.md#flow-control-policy): the single source of its validation, its types and its
 * OpenAPI shape. Keys and computed values are CEL expressions over `{event, vars}` (the event's
 * payload and the trigger's evaluated vars); a missing key puts every event in one bucket.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `10s`, `1m30s`, `1.5h`, `7d` in milliseconds; undefined when not a duration. */
export function parsePolicyDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, , unit] of text.matchAll(/(\d+(\.\d+)?)(ms|s|m|h|d)/g)) total += Number(amount) * UNIT_MS[unit];
  return total;
}

/** Longest period, timeout or ttl of a policy: 7 days. */
export const POLICY_MAX_DURATION_MS = 7 * 86_400_000;

const expression = z.string().min(1).max(4000).describe('A CEL expression over `event` (the payload) and `vars`');
const key = expression.describe('CEL over `event` and `vars`: the bucket of the event (no key: one bucket)');
const duration = (min: number, what: string) =>
  z
    .string()
    .describe(`A duration (${what}): \`500ms\`, \`10s\`, \`5m\`, \`1h\`, \`1d\``)
    .refine((text) => parsePolicyDuration(text) !== undefined, 'must be a duration like 500ms, 10s, 5m, 1h or 1d')
    .refine((text) => (parsePolicyDuration(text) ?? 0) >= min, `must be at least ${min}ms`)
    .refine((text) => (parsePolicyDuration(text) ?? 0) <= POLICY_MAX_DURATION_MS, 'must be at most 7d');

export const CONCURRENCY_HOLDS = ['running', 'active'] as const;
/** Stage kinds that wait (hold no `active` slot); every other kind acts. */
export const WAITING_STAGE_KINDS: readonly string[] = ['delay', 'wait_event', 'wait_for_event', 'wait_for_events'];
export const CONCURRENCY_ON_FULL = ['queue', 'cancel_newest', 'cancel_oldest', 'keep_newest_queued'] as const;
/**
 * Whose state a rule counts: `trigger` (default) its own; `workflow` the state shared by every
 * trigger of the same workflow that declares the same rule with scope `workflow` (concurrency:
 * same key, limit and hold; throttle: key, limit, period, burst; rate limit: key, limit, period;
 * singleton: key).
 */
export const POLICY_SCOPES = ['trigger', 'workflow'] as const;
export type PolicyScope = (typeof POLICY_SCOPES)[number];
/** The scopes of a concurrency rule (the first rule offered one). */
export const CONCURRENCY_SCOPES = POLICY_SCOPES;

/** `scope` of a rule; absent means `trigger` (not filled in: policies stored before it read back unchanged). */
const scope = (shared: string) =>
  z.enum(POLICY_SCOPES).optional().describe(`\`trigger\` (default): the trigger's own; \`workflow\`: ${shared}`);

export const concurrencyRuleSchema = z
  .object({
    key: key.optional(),
    /** A number, or CEL giving one (e.g. `event.tier == "premium" ? 10 : 1`). */
    limit: z.union([z.number().int().min(1).max(100_000), expression]),
    hold: z.enum(CONCURRENCY_HOLDS).default('running'),
    on_full: z.enum(CONCURRENCY_ON_FULL).default('queue'),
    scope: scope('slots shared by the triggers of the workflow declaring the same rule (key, limit, hold)'),
  })
  .strict()
  // Aborting the oldest instance of a shared key would cancel another trigger's start.
  .refine((rule) => !(rule.scope === 'workflow' && rule.on_full === 'cancel_oldest'), {
    message: 'cancel_oldest is not offered with scope workflow',
    path: ['on_full'],
  });

export const throttleSchema = z
  .object({
    key: key.optional(),
    limit: z.number().int().min(1).max(100_000),
    period: duration(1, 'the window'),
    burst: z.number().int().min(0).max(100_000).default(0),
    scope: scope('one bucket shared by the triggers of the workflow declaring the same throttle (key, limit, period, burst)'),
  })
  .strict();

export const rateLimitSchema = z
  .object({
    key: key.optional(),
    limit: z.number().int().min(1).max(100_000),
    period: duration(1, 'the window'),
    scope: scope('one budget shared by the triggers of the workflow declaring the same rate limit (key, limit, period)'),
  })
  .strict();

export const debounceSchema = z
  .object({
    key: key.optional(),
    period: duration(100, 'the quiet period'),
    timeout: duration(100, 'the longest delay from the first event').optional(),
    use: z.enum(['last', 'first']).default('last'),
  })
  .strict()
  // A timeout shorter than the quiet period would fire before any quiet period could end.
  .refine((d) => d.timeout === undefined || (parsePolicyDuration(d.timeout) ?? 0) >= (parsePolicyDuration(d.period) ?? 0), {
    message: 'must be at least the period',
    path: ['timeout'],
  });

export const singletonSchema = z
  .object({
    key: key.optional(),
    mode: z.enum(['skip', 'cancel']).default('skip'),
    scope: scope('one running instance per key across the triggers of the workflow declaring the same singleton key (mode may differ)'),
  })
  .strict();

export const idempotencySchema = z.object({ key, ttl: duration(1000, 'how long a key is remembered') }).strict();

export const triggerPolicySchema = z
  .object({
    concurrency: z.array(concurrencyRuleSchema).min(1).max(4).optional(),
    throttle: throttleSchema.optional(),
    rate_limit: rateLimitSchema.optional(),
    debounce: debounceSchema.optional(),
    singleton: singletonSchema.optional(),
    /** CEL giving seconds of head start among queued starts, clamped to −600…600. */
    priority: expression.optional(),
    idempotency: idempotencySchema.optional(),
  })
  .strict()
  .describe('Flow control (extension): concurrency, throttle, rate limit, debounce, singleton, priority, idempotency');

/** The policy as given (defaults not yet applied). */
export type TriggerPolicyInput = z.input<typeof triggerPolicySchema>;
/** The policy as stored and read back (defaults applied). */
export type TriggerPolicy = z.output<typeof triggerPolicySchema>;
export type ConcurrencyRule = z.output<typeof concurrencyRuleSchema>;
export type ThrottleRule = z.output<typeof throttleSchema>;
export type RateLimitRule = z.output<typeof rateLimitSchema>;
export type SingletonRule = z.output<typeof singletonSchema>;

/** Every CEL source of a policy with the field it comes from (compiled at create time). */
export function policyExpressions(policy: TriggerPolicy): Array<{ field: string; source: string }> {
  const out: Array<{ field: string; source: string }> = [];
  const add = (field: string, source: string | number | undefined) => typeof source === 'string' && out.push({ field, source });
  policy.concurrency?.forEach((rule, i) => {
    add(`policy.concurrency[${i}].key`, rule.key);
    add(`policy.concurrency[${i}].limit`, rule.limit);
  });
  for (const name of ['throttle', 'rate_limit', 'debounce', 'singleton', 'idempotency'] as const) add(`policy.${name}.key`, policy[name]?.key);
  add('policy.priority', policy.priority);
  return out;
}

/** `<root>.concurrency[0].limit`-style name of a zod issue's path under the field `root`. */
export function fieldName(root: string, path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((name, part) => (typeof part === 'number' ? `${name}[${part}]` : `${name}.${String(part)}`), root);
}

/** `policy.concurrency[0].limit`-style name of a zod issue's path. */
export function policyFieldName(path: ReadonlyArray<PropertyKey>): string {
  return fieldName('policy', path);
}

/** Occurrence outcomes of flow control, and why a start was queued or skipped. */
export const OCCURRENCE_OUTCOMES = ['started', 'failed', 'queued', 'skipped', 'canceled'] as const;
export type OccurrenceOutcome = (typeof OCCURRENCE_OUTCOMES)[number];
export const QUEUED_REASONS = ['concurrency', 'throttle', 'debounce'] as const;
export const SKIPPED_REASONS = ['rate_limited', 'singleton', 'debounced', 'idempotent', 'concurrency', 'superseded', 'paused', 'trigger_deleted'] as const;

/** Bus event types of flow-control decisions: `trigger.occurrence.<outcome>` (app orchestration, v2). */
export const OCCURRENCE_DECISION_EVENT_PREFIX = 'trigger.occurrence.';
export const occurrenceDecisionPayloadSchema = z.object({
  /** The occurrence id. */
  id: z.string(),
  triggerID: z.string(),
  eventID: z.string(),
  outcome: z.enum(OCCURRENCE_OUTCOMES),
  reason: z.string().optional(),
  workflowInstanceID: z.string().optional(),
  canceledBy: z.string().optional(),
});
export type OccurrenceDecisionPayload = z.infer<typeof occurrenceDecisionPayloadSchema>;
