import { equalityKeyOf, IndexedCandidates } from './filter-index';
import { Candidate } from './candidate-cache';
import { evaluateFilter } from '@wfp/expressions';

const candidate = (id: string, filter: string | null): Candidate => ({ id, workflow_id: 'w', filter, vars: null });

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
