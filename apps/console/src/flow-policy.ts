/**
 * Readable flow control for the trigger page (pure, unit-sized): a trigger's `policy` as one
 * list of facts per rule, an occurrence's decision (`outcome`, `reason`, `canceledBy`) as one
 * line, and the name of a slot rule of the flow state.
 */
import type { Trigger, TriggerOccurrence } from './api';

export interface PolicyRule {
  /** `concurrency #1`, `throttle`, `rate limit`, … */
  name: string;
  facts: Array<[label: string, value: string]>;
}

type Policy = NonNullable<Trigger['policy']>;

const keyFact = (key: string | undefined): [string, string] => ['key', key ?? '(none: one bucket)'];

/** One entry per rule of the policy, in the order the checks run (docs/triggers.md). */
export function policyRules(policy: Policy | undefined): PolicyRule[] {
  if (!policy) return [];
  const rules: PolicyRule[] = [];
  if (policy.idempotency) rules.push({ name: 'idempotency', facts: [keyFact(policy.idempotency.key), ['ttl', policy.idempotency.ttl]] });
  if (policy.rate_limit) {
    const r = policy.rate_limit;
    rules.push({ name: 'rate limit', facts: [keyFact(r.key), ['limit', `${r.limit} per ${r.period}`], ['excess', 'skipped']] });
  }
  if (policy.singleton) rules.push({ name: 'singleton', facts: [keyFact(policy.singleton.key), ['mode', policy.singleton.mode]] });
  if (policy.debounce) {
    const d = policy.debounce;
    rules.push({
      name: 'debounce',
      facts: [keyFact(d.key), ['period', d.period], ...(d.timeout ? [['timeout', d.timeout] as [string, string]] : []), ['use', d.use]],
    });
  }
  policy.concurrency?.forEach((c, i) => {
    rules.push({
      name: `concurrency #${i + 1}`,
      facts: [keyFact(c.key), ['limit', String(c.limit)], ['hold', c.hold], ['when full', c.on_full.replace(/_/g, ' ')]],
    });
  });
  if (policy.throttle) {
    const t = policy.throttle;
    rules.push({ name: 'throttle', facts: [keyFact(t.key), ['limit', `${t.limit} per ${t.period}`], ['burst', String(t.burst)], ['excess', 'queued']] });
  }
  if (policy.priority) rules.push({ name: 'priority', facts: [['head start (s)', policy.priority]] });
  return rules;
}

/** `queued (concurrency)`, `skipped (rate_limited)`, `canceled by 1a2b3c4d`, or undefined without a decision. */
export function decisionText(o: Pick<TriggerOccurrence, 'outcome' | 'reason' | 'canceledBy'>): string | undefined {
  if (!o.outcome) return undefined;
  if (o.outcome === 'canceled') return o.canceledBy ? `canceled by ${o.canceledBy.slice(0, 8)}` : 'canceled';
  return o.reason ? `${o.outcome} (${o.reason})` : o.outcome;
}

/** The name of a slot rule in the flow state: `-1` is the singleton's slot. */
export function slotRuleName(rule: number): string {
  return rule < 0 ? 'singleton' : `concurrency #${rule + 1}`;
}
