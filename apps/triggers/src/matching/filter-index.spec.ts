import fc from 'fast-check';
import { equalityKeyOf, indexKeyOf, IndexedCandidates } from './filter-index';
import { evaluateFilter } from '@wfp/expressions';

// The index is generic over its candidates: anything with a filter (the trigger rows of `candidate-cache.ts` in production).
const candidate = (id: string, filter: string | null) => ({ id, filter });

describe('equality index of trigger filters', () => {
  it('finds a necessary `event.<path> == "<literal>"` conjunct', () => {
    expect(equalityKeyOf('event.key == "k1"')).toEqual({ path: ['key'], value: 'k1' });
    expect(equalityKeyOf('"k1" == event.a.b && event.n > 3')).toEqual({ path: ['a', 'b'], value: 'k1' });
    expect(equalityKeyOf('event.n > 3 && event["odd/key"] == "v"')).toEqual({ path: ['odd/key'], value: 'v' });
    expect(equalityKeyOf('event.key == "k1" || event.other == "x"')).toBeUndefined();
    expect(equalityKeyOf('event.n == 1')).toBeUndefined();
    expect(equalityKeyOf('other.key == "x"')).toBeUndefined();
    expect(equalityKeyOf('!(event.key == "x")')).toBeUndefined();
  });

  it('selects exactly the candidates that can match, in creation order', () => {
    const all = [
      candidate('a', 'event.key == "k1"'),
      candidate('b', null),
      candidate('c', 'event.key == "k2" && event.n > 1'),
      candidate('d', 'event.meta.kind == "x"'),
      candidate('e', 'event.key == "k1" || true'),
      candidate('f', 'event.key == "k1" && event.n > 100'),
    ];
    const index = new IndexedCandidates(all);
    const ids = (payload: Record<string, unknown>) => index.select(payload).map((c) => c.id);
    expect(ids({ key: 'k1', n: 5 })).toEqual(['a', 'b', 'e', 'f']);
    expect(ids({ key: 'k2', n: 5, meta: { kind: 'x' } })).toEqual(['b', 'c', 'd', 'e']);
    expect(ids({ key: 5 })).toEqual(['b', 'e']);
    expect(ids({})).toEqual(['b', 'e']);
    // Never drops a candidate whose filter is true.
    for (const payload of [{ key: 'k1', n: 500 }, { key: 'k2', n: 5, meta: { kind: 'x' } }, { key: 'zz' }]) {
      const matching = all.filter((c) => !c.filter || evaluateFilter(c.filter, payload).match).map((c) => c.id);
      expect(ids(payload)).toEqual(expect.arrayContaining(matching));
    }
  });
});

describe('range, set and prefix indexes', () => {
  it('finds the necessary condition of each kind, either side', () => {
    expect(indexKeyOf('event.amount > 100')).toEqual({ kind: 'range', path: ['amount'], op: '>', bound: 100 });
    expect(indexKeyOf('100 < event.amount')).toEqual({ kind: 'range', path: ['amount'], op: '>', bound: 100 });
    expect(indexKeyOf('event.a.b <= -2.5')).toEqual({ kind: 'range', path: ['a', 'b'], op: '<=', bound: -2.5 });
    expect(indexKeyOf('event.kind in ["a", "b"]')).toEqual({ kind: 'values', path: ['kind'], values: ['a', 'b'] });
    expect(indexKeyOf('event.kind in ["a", 1]')).toBeUndefined();
    expect(indexKeyOf('event.ref.startsWith("inv_")')).toEqual({ kind: 'prefix', path: ['ref'], prefix: 'inv_' });
    expect(indexKeyOf('hasPrefix(event.ref, "inv_")')).toEqual({ kind: 'prefix', path: ['ref'], prefix: 'inv_' });
    // Equality wins over a range in the same chain (a hash hit selects fewer).
    expect(indexKeyOf('event.amount > 5 && event.key == "k"')).toEqual({ kind: 'values', path: ['key'], values: ['k'] });
    expect(indexKeyOf('event.amount > 5 || event.key == "k"')).toBeUndefined();
    expect(indexKeyOf('event.amount > 99999999999999999999')).toBeUndefined();
  });

  it('selects with a binary search, not by evaluating every filter', () => {
    const all = Array.from({ length: 10_000 }, (_, i) => candidate(`t${i}`, `event.amount > ${1_000_000 + i}`));
    all.push(candidate('match', 'event.amount > 100'));
    const index = new IndexedCandidates(all);
    expect(index.select({ amount: 500 }).map((c) => c.id)).toEqual(['match']);
    expect(index.select({ amount: 1_000_002 }).map((c) => c.id)).toEqual(['t0', 't1', 'match']);
    expect(index.select({ amount: '5000000' })).toEqual([]);
    expect(index.select({})).toEqual([]);
  });

  it('never drops a candidate whose filter is true (property)', () => {
    const filters = fc.oneof(
      fc.tuple(fc.constantFrom('>', '>=', '<', '<='), fc.integer({ min: -5, max: 5 })).map(([op, n]) => `event.n ${op} ${n}`),
      fc.tuple(fc.constantFrom('>', '>=', '<', '<='), fc.integer({ min: -5, max: 5 })).map(([op, n]) => `${n} ${op} event.n`),
      fc.double({ min: -5, max: 5, noNaN: true }).map((d) => `event.n >= ${d.toFixed(2)}`),
      fc.subarray(['a', 'ab', 'b', 'abc']).map((values) => `event.s in ${JSON.stringify(values)}`),
      fc.constantFrom('a', 'ab', 'b', '').map((p) => `event.s.startsWith("${p}")`),
      fc.constantFrom('a', 'ab', 'b', '').map((p) => `hasPrefix(event.s, "${p}")`),
      fc.constantFrom('a', 'ab').map((v) => `event.s == "${v}" && event.n > 0`),
      fc.constant('event.n > 0 || event.s == "a"'),
    );
    const payloads = fc.record(
      {
        n: fc.oneof(fc.integer({ min: -6, max: 6 }), fc.double({ min: -6, max: 6, noNaN: true }), fc.constant('3'), fc.constant(null)),
        s: fc.oneof(fc.constantFrom('a', 'ab', 'abc', 'b', 'c', ''), fc.constant(1)),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(filters, { minLength: 1, maxLength: 12 }), fc.array(payloads, { minLength: 1, maxLength: 5 }), (sources, events) => {
        const all = sources.map((source, i) => candidate(`c${i}`, source));
        const index = new IndexedCandidates(all);
        for (const payload of events) {
          const selected = index.select(payload).map((c) => c.id);
          const matching = all.filter((c) => evaluateFilter(c.filter!, payload).match).map((c) => c.id);
          expect(selected).toEqual(expect.arrayContaining(matching));
          expect(selected).toEqual([...selected].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
        }
      }),
      { numRuns: 300 },
    );
  });
});
