import { CoalescedCheck } from './coalesced-check';

/** A check whose answers the test releases one by one, recording the keys of each. */
function controlledCheck() {
  const begun: Array<{ keys: string[]; resolve: (waited: string[]) => void; reject: (error: Error) => void }> = [];
  const check = new CoalescedCheck<string>(
    (keys) =>
      new Promise<Set<string>>((resolve, reject) => {
        begun.push({ keys: [...keys].sort(), resolve: (waited) => resolve(new Set(waited)), reject });
      }),
  );
  return { check, begun };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescedCheck', () => {
  it('callers of one turn share one check covering their keys; each hears about its own key', async () => {
    const { check, begun } = controlledCheck();
    const answers = [check.ask('a'), check.ask('b'), check.ask('a')];
    await settle();
    expect(begun.map((b) => b.keys)).toEqual([['a', 'b']]);
    begun[0].resolve(['b']);
    await expect(Promise.all(answers)).resolves.toEqual([false, true, false]);
  });

  it('callers during a check in flight share ONE queued check that begins after it, never the one in flight', async () => {
    const { check, begun } = controlledCheck();
    const first = check.ask('a');
    await settle();
    expect(begun).toHaveLength(1);
    const later = [check.ask('a'), check.ask('c'), check.ask('a')];
    await settle();
    expect(begun).toHaveLength(1); // queued, not begun: the first is still in flight

    begun[0].resolve([]);
    await expect(first).resolves.toBe(false);
    await settle();
    expect(begun.map((b) => b.keys)).toEqual([['a'], ['a', 'c']]); // the queued one began only after the first ended
    begun[1].resolve(['a', 'c']);
    await expect(Promise.all(later)).resolves.toEqual([true, true, true]);
  });

  it('a caller after the queued check began queues a new one', async () => {
    const { check, begun } = controlledCheck();
    void check.ask('a');
    await settle();
    const second = check.ask('a');
    begun[0].resolve([]);
    await settle();
    expect(begun).toHaveLength(2);
    const third = check.ask('a'); // the second is in flight now: the third must not join it
    await settle();
    expect(begun).toHaveLength(2);
    begun[1].resolve([]);
    await expect(second).resolves.toBe(false);
    await settle();
    expect(begun).toHaveLength(3);
    begun[2].resolve(['a']);
    await expect(third).resolves.toBe(true);
  });

  it('a failed check fails its callers only; the queued check still runs', async () => {
    const { check, begun } = controlledCheck();
    const first = check.ask('a');
    await settle();
    const second = check.ask('a');
    begun[0].reject(new Error('db down'));
    await expect(first).rejects.toThrow('db down');
    await settle();
    begun[1].resolve(['a']);
    await expect(second).resolves.toBe(true);
    const third = check.ask('a');
    await settle();
    expect(begun).toHaveLength(3);
    begun[2].resolve([]);
    await expect(third).resolves.toBe(false);
  });
});
