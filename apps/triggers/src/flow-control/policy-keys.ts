import { createHash } from 'node:crypto';
import { ConcurrencyRule, parsePolicyDuration, TriggerPolicy } from '@wfp/contracts';
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
