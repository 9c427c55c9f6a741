import { createHash } from 'node:crypto';
import { ConcurrencyRule, parsePolicyDuration, RateLimitRule, SingletonRule, ThrottleRule, TriggerPolicy } from '@wfp/contracts';
import { compile, stringify } from '@wfp/expressions';
import { priorityHeadStartMs } from './fair-admission';

/**
 * The keys and values a policy computes for one firing, from CEL over `{event, vars}` (the
 * payload and the trigger's evaluated vars). No key = one bucket (`""`). An expression that
 * fails makes the firing fail (a failed occurrence, as a vars error does).
 */
export interface FiringKeys {
  concurrencyKeys: string[];
  concurrencyLimits: number[];
  throttleKey: string | null;
  rateLimitKey: string | null;
  debounceKey: string | null;
  singletonKey: string | null;
  idempotencyKey: string | null;
  priorityMs: number;
}

export function firingKeys(policy: TriggerPolicy, event: Record<string, unknown>, vars: Record<string, string>): FiringKeys {
  const context = { event, vars };
  const evaluate = (field: string, source: string): unknown => {
    try {
      return compile(source)(context);
    } catch (error) {
      throw new Error(`${field}: ${(error as Error).message.split('\n')[0]}`);
    }
  };
  const keyOf = (field: string, source: string | undefined) => (source === undefined ? '' : stringify(evaluate(field, source)));
  const concurrency = policy.concurrency ?? [];
  return {
    concurrencyKeys: concurrency.map((rule, i) => keyOf(`policy.concurrency[${i}].key`, rule.key)),
    concurrencyLimits: concurrency.map((rule, i) => {
      if (typeof rule.limit === 'number') return rule.limit;
      const value = Number(evaluate(`policy.concurrency[${i}].limit`, rule.limit));
      if (!Number.isInteger(value) || value < 1) throw new Error(`policy.concurrency[${i}].limit: ${String(value)} is not a positive integer`);
      return value;
    }),
    throttleKey: policy.throttle ? keyOf('policy.throttle.key', policy.throttle.key) : null,
    rateLimitKey: policy.rate_limit ? keyOf('policy.rate_limit.key', policy.rate_limit.key) : null,
    debounceKey: policy.debounce ? keyOf('policy.debounce.key', policy.debounce.key) : null,
    singletonKey: policy.singleton ? keyOf('policy.singleton.key', policy.singleton.key) : null,
    idempotencyKey: policy.idempotency ? keyOf('policy.idempotency.key', policy.idempotency.key) : null,
    priorityMs: policy.priority ? priorityHeadStartMs(evaluate('policy.priority', policy.priority)) : 0,
  };
}

/** The fairness bucket: the first concurrency key, else the throttle key, else one bucket. */
export function fairKeyOf(keys: FiringKeys): string {
  return keys.concurrencyKeys[0] ?? keys.throttleKey ?? '';
}

/** A policy duration in ms (validated at create time). */
export function durationMs(text: string): number {
  return parsePolicyDuration(text) ?? 0;
}

/**
 * The shared slot owner of a concurrency rule of scope `workflow`: the workflow and the rule's
 * identity (key, limit, hold — `on_full` may differ), so every trigger of the workflow declaring
 * the same rule counts the same slots; `''` for a rule of scope `trigger` (the trigger's own).
 */
export function concurrencyScope(rule: ConcurrencyRule, workflowId: string): string {
  if (rule.scope !== 'workflow') return '';
  const identity = createHash('sha256').update(JSON.stringify([rule.key ?? null, rule.limit, rule.hold])).digest('hex').slice(0, 16);
  return `${workflowId}/${identity}`;
}

export function concurrencyScopes(policy: TriggerPolicy, workflowId: string): string[] {
  return (policy.concurrency ?? []).map((rule) => concurrencyScope(rule, workflowId));
}

/** Whether some concurrency rule of the policy shares its slots with the workflow's other triggers. */
export function sharesSlots(policy: TriggerPolicy | null | undefined): boolean {
  return !!policy?.concurrency?.some((rule) => rule.scope === 'workflow');
}

/**
 * Shared owners of the other rules of scope `workflow`, as concurrencyScope: `<workflow
 * id>/<hash>` of the rule's kind and identity — every trigger of the workflow declaring the same
 * rule shares its state; `''` for scope `trigger`. Durations are compared in ms (`60m` is `1h`).
 */
function sharedOwner(workflowId: string, identity: unknown[]): string {
  return `${workflowId}/${createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16)}`;
}

/** A throttle of scope `workflow`: one GCRA bucket per key for key, limit, period and burst. */
export function throttleScope(rule: ThrottleRule | undefined, workflowId: string): string {
  if (rule?.scope !== 'workflow') return '';
  return sharedOwner(workflowId, ['throttle', rule.key ?? null, rule.limit, durationMs(rule.period), rule.burst]);
}

/** A rate limit of scope `workflow`: one budget per key for key, limit and period. */
export function rateLimitScope(rule: RateLimitRule | undefined, workflowId: string): string {
  if (rule?.scope !== 'workflow') return '';
  return sharedOwner(workflowId, ['rate_limit', rule.key ?? null, rule.limit, durationMs(rule.period)]);
}

/** A singleton of scope `workflow`: one running instance per key for the key (`mode` may differ). */
export function singletonScope(rule: SingletonRule | undefined, workflowId: string): string {
  if (rule?.scope !== 'workflow') return '';
  return sharedOwner(workflowId, ['singleton', rule.key ?? null]);
}

/**
 * Whether the policy's admission is shared with the workflow's other triggers (a concurrency
 * rule or the throttle of scope `workflow`): its admission round is the workflow's round.
 */
export function sharesAdmission(policy: TriggerPolicy | null | undefined): boolean {
  return sharesSlots(policy) || policy?.throttle?.scope === 'workflow';
}

/**
 * The shared owners whose state the matcher's decisions read and change (a rate limit or a
 * singleton of scope `workflow`): each is serialised by its advisory lock (flow-store.ts lockShared).
 */
export function sharedDecisionScopes(policy: TriggerPolicy | null | undefined, workflowId: string): string[] {
  return [rateLimitScope(policy?.rate_limit, workflowId), singletonScope(policy?.singleton, workflowId)].filter((s) => s !== '');
}
