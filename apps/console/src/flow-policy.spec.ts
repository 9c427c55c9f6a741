import { decisionText, policyRules, slotRuleName } from './flow-policy';

describe('flow control on the trigger page', () => {
  it('lists each rule of a policy with its facts, in check order', () => {
    const rules = policyRules({
      concurrency: [{ key: 'vars.tenant', limit: 2, hold: 'running', on_full: 'cancel_oldest' }],
      rate_limit: { key: 'event.customer', limit: 1, period: '1h' },
      debounce: { period: '5s', timeout: '30s', use: 'last' },
      priority: 'event.vip ? 120 : 0',
    });
    expect(rules.map((r) => r.name)).toEqual(['rate limit', 'debounce', 'concurrency #1', 'priority']);
    expect(rules[0].facts).toEqual([['key', 'event.customer'], ['limit', '1 per 1h'], ['excess', 'skipped']]);
    expect(rules[1].facts).toEqual([['key', '(none: one bucket)'], ['period', '5s'], ['timeout', '30s'], ['use', 'last']]);
    expect(rules[2].facts).toEqual([['key', 'vars.tenant'], ['limit', '2'], ['hold', 'running'], ['when full', 'cancel oldest']]);
    expect(policyRules(undefined)).toEqual([]);
  });

  it('says what was decided for an occurrence', () => {
    expect(decisionText({ outcome: 'queued', reason: 'concurrency' })).toBe('queued (concurrency)');
    expect(decisionText({ outcome: 'started' })).toBe('started');
    expect(decisionText({ outcome: 'canceled', canceledBy: '1a2b3c4d-0000-4000-8000-000000000000' })).toBe('canceled by 1a2b3c4d');
    expect(decisionText({})).toBeUndefined();
  });

  it('names slot rules', () => {
    expect(slotRuleName(0)).toBe('concurrency #1');
    expect(slotRuleName(-1)).toBe('singleton');
  });
});
