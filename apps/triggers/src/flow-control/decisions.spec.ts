import { parsePolicyDuration, policyFieldName, triggerPolicySchema } from '@wfp/contracts';
import { debounce, PendingDebounce } from './debounce';
import { admit, fairOrder, priorityHeadStartMs, QueuedStart, slotKey } from './fair-admission';
import { gcra, rateLimitParams, throttleParams } from './gcra';

describe('flow-control decisions (pure)', () => {
  describe('GCRA', () => {
    it('throttle limit 2 / 6 s / burst 1, 6 starts 0.5 s apart, retried when they conform: 3 at once, then one every 3 s', () => {
      const params = throttleParams(2, 6000, 1);
      let tat: number | undefined;
      const startedAt: number[] = [];
      const waiting = [0, 500, 1000, 1500, 2000, 2500];
      let now = 0;
      while (waiting.length > 0) {
        const arrived = waiting[0];
        now = Math.max(now, arrived);
        const decision = gcra(tat, now, params);
        if (decision.allowed) {
          tat = decision.tat;
          startedAt.push(now);
          waiting.shift();
        } else now = decision.retryAt;
      }
      expect(startedAt).toEqual([0, 500, 1000, 3000, 6000, 9000]);
    });

    it('rate limit 1 per hour: 1 of 5 events passes; after the hour one more', () => {
      const params = rateLimitParams(1, 3_600_000);
      let tat: number | undefined;
      const allowed = [0, 1000, 2000, 3000, 4000].map((now) => {
        const d = gcra(tat, now, params);
        if (d.allowed) tat = d.tat;
        return d.allowed;
      });
      expect(allowed).toEqual([true, false, false, false, false]);
      expect(gcra(tat, 3_600_000, params).allowed).toBe(true);
    });

    it('rate limit 3 per minute: 3 pass at once, the 4th waits 20 s', () => {
      const params = rateLimitParams(3, 60_000);
      let tat: number | undefined;
      for (let i = 0; i < 3; i++) tat = gcra(tat, 0, params).tat;
      expect(gcra(tat, 0, params)).toMatchObject({ allowed: false, retryAt: 20_000 });
    });
  });

  describe('debounce', () => {
    const apply = (events: number[], rule: { periodMs: number; timeoutMs?: number; use: 'last' | 'first' }) => {
      let pending: (PendingDebounce & { event: number }) | undefined;
      const fired: Array<{ at: number; event: number }> = [];
      for (const [i, now] of events.entries()) {
        if (pending && pending.dueAt <= now) fired.push({ at: pending.dueAt, event: pending.event });
        const d = debounce(pending, now, rule);
        if (d.kind === 'open') pending = { id: `e${i}`, event: i, firstAt: d.firstAt, dueAt: d.dueAt };
        else if (d.kind === 'replace') pending = { id: `e${i}`, event: i, firstAt: d.firstAt, dueAt: d.dueAt };
        else pending = { ...pending!, dueAt: d.dueAt };
      }
      if (pending) fired.push({ at: pending.dueAt, event: pending.event });
      return fired;
    };

    it('5 events 1 s apart, period 5 s: one start with the 5th event, 5 s after it', () => {
      expect(apply([0, 1000, 2000, 3000, 4000], { periodMs: 5000, use: 'last' })).toEqual([{ at: 9000, event: 4 }]);
    });

    it('use first keeps the first event', () => {
      expect(apply([0, 1000, 2000], { periodMs: 5000, use: 'first' })).toEqual([{ at: 7000, event: 0 }]);
    });

    it('a stream every 2 s, period 5 s, timeout 10 s: one start every 10 s', () => {
      const events = Array.from({ length: 16 }, (_, i) => i * 2000);
      expect(apply(events, { periodMs: 5000, timeoutMs: 10_000, use: 'last' }).map((f) => f.at)).toEqual([10_000, 20_000, 30_000, 35_000]);
    });
  });

  describe('fair admission', () => {
    const start = (id: string, fairKey: string, seq: number, readyAt = seq, limit = 2): QueuedStart => ({
      id,
      seq,
      fairKey,
      readyAt,
      concurrencyKeys: [fairKey],
      concurrencyLimits: [limit],
      throttleKey: null,
    });

    it('10,000 queued for A and 1 for B: B is admitted in the first round', () => {
      const starts = Array.from({ length: 10_000 }, (_, i) => start(`a${i}`, 'A', i));
      starts.push(start('b', 'B', 10_000));
      const result = admit(starts, { running: new Map(), throttle: new Map() }, 0);
      expect(result.admitted.map((s) => s.id)).toEqual(['a0', 'b', 'a1']);
      expect(result.waiting).toHaveLength(9998);
    });

    it('a full key is passed over; the other keys go on', () => {
      const result = admit([start('a', 'A', 1), start('b', 'B', 2)], { running: new Map([[slotKey(0, 'A'), 2]]), throttle: new Map() }, 0);
      expect(result.admitted.map((s) => s.id)).toEqual(['b']);
      expect(result.waiting).toEqual([{ start: expect.objectContaining({ id: 'a' }), reason: 'concurrency', rule: 0 }]);
    });

    it('round robin: the heads of every key, then the seconds', () => {
      const order = fairOrder([start('a1', 'A', 1), start('a2', 'A', 2), start('a3', 'A', 3), start('b1', 'B', 4), start('c1', 'C', 5), start('b2', 'B', 6)]);
      expect(order.map((s) => s.id)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
    });

    it('priority: a head start orders a later start first within its key', () => {
      const order = fairOrder([start('early', 'A', 1, 1000), start('late-but-urgent', 'A', 2, 201_000 - priorityHeadStartMs(120))]);
      expect(order.map((s) => s.id)).toEqual(['early', 'late-but-urgent']);
      const order2 = fairOrder([start('early', 'A', 1, 10_000), start('late-but-urgent', 'A', 2, 60_000 - priorityHeadStartMs(120))]);
      expect(order2.map((s) => s.id)).toEqual(['late-but-urgent', 'early']);
      expect([priorityHeadStartMs(9999), priorityHeadStartMs(-9999), priorityHeadStartMs('x'), priorityHeadStartMs(1.5)]).toEqual([600_000, -600_000, 0, 1500]);
    });

    it('throttle is FIFO per key and says when to come back', () => {
      const throttled = (id: string, seq: number): QueuedStart => ({ ...start(id, '', seq), concurrencyKeys: [], concurrencyLimits: [], throttleKey: '' });
      const result = admit([throttled('1', 1), throttled('2', 2), throttled('3', 3), throttled('4', 4)], { running: new Map(), throttle: new Map(), throttleParams: throttleParams(2, 6000, 1) }, 0);
      expect(result.admitted.map((s) => s.id)).toEqual(['1', '2', '3']);
      expect(result.wakeAt).toBe(3000);
      expect(result.throttle.get('')).toBe(9000);
    });
  });

  describe('the policy schema', () => {
    const error = (policy: unknown) => {
      const parsed = triggerPolicySchema.safeParse(policy);
      if (parsed.success) return undefined;
      return `${policyFieldName(parsed.error.issues[0].path)}: ${parsed.error.issues[0].message}`;
    };

    it('applies defaults and accepts every block', () => {
      const parsed = triggerPolicySchema.parse({
        concurrency: [{ key: 'event.tenant', limit: 2 }, { limit: 'event.tier == "premium" ? 10 : 1' }],
        throttle: { limit: 2, period: '6s' },
        rate_limit: { key: 'event.tenant', limit: 1, period: '1h' },
        debounce: { period: '5s', timeout: '10s' },
        singleton: { key: 'event.id' },
        priority: 'event.vip ? 120 : 0',
        idempotency: { key: 'event.order', ttl: '1d' },
      });
      expect(parsed.concurrency![0]).toEqual({ key: 'event.tenant', limit: 2, hold: 'running', on_full: 'queue' });
      expect(parsed.throttle!.burst).toBe(0);
      expect(parsed.debounce!.use).toBe('last');
      expect(parsed.singleton!.mode).toBe('skip');
    });

    it('refuses configurations that can never fire, naming the field', () => {
      expect(error({ debounce: { period: '5s', timeout: '1s' } })).toBe('policy.debounce.timeout: must be at least the period');
      expect(error({ debounce: { period: '30d' } })).toBe('policy.debounce.period: must be at most 7d');
      expect(error({ debounce: { period: '0s' } })).toBe('policy.debounce.period: must be at least 100ms');
      expect(error({ concurrency: [{ limit: 0 }] })).toMatch(/^policy\.concurrency\[0\]\.limit: /);
      expect(error({ throttle: { limit: 2, period: 'soon' } })).toBe('policy.throttle.period: must be a duration like 500ms, 10s, 5m, 1h or 1d');
      expect(error({ nope: 1 })).toMatch(/^policy: /);
      expect(error({ singleton: { mode: 'buffer' } })).toMatch(/^policy\.singleton\.mode: /);
    });

    it('parses durations', () => {
      expect([parsePolicyDuration('1m30s'), parsePolicyDuration('500ms'), parsePolicyDuration('1.5h'), parsePolicyDuration('2d'), parsePolicyDuration('5')]).toEqual([
        90_000, 500, 5_400_000, 172_800_000, undefined,
      ]);
    });
  });
});
