import { CoalescedCheck } from './coalesced-check';

/** A check whose answers the test releases one by one, recording when each began. */
function controlledCheck() {
  const begun: Array<{ key: string; resolve: (answer: boolean) => void; reject: (error: Error) => void }> = [];
  const check = new CoalescedCheck<string>(
    (key) =>
      new Promise<boolean>((resolve, reject) => {
        begun.push({ key, resolve, reject });
      }),
  );
  return { check, begun };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescedCheck', () => {
  it('callers during a check in flight share ONE queued check that begins after it, never the one in flight', async () => {
    const { check, begun } = controlledCheck();
    const first = check.ask('a');
    expect(begun).toHaveLength(1);
    const later = [check.ask('a'), check.ask('a'), check.ask('a')];
    await settle();
    expect(begun).toHaveLength(1); // queued, not begun: the first is still in flight

    begun[0].resolve(false);
    await expect(first).resolves.toBe(false);
    await settle();
    expect(begun).toHaveLength(2); // the queued one began only after the first ended
    begun[1].resolve(true);
    await expect(Promise.all(later)).resolves.toEqual([true, true, true]);
  });

  it('keys are independent', async () => {
    const { check, begun } = controlledCheck();
    void check.ask('a');
    void check.ask('b');
    expect(begun.map((b) => b.key)).toEqual(['a', 'b']);
  });

  it('a caller after the queued check began queues a new one', async () => {
    const { check, begun } = controlledCheck();
    void check.ask('a');
    const second = check.ask('a');
    begun[0].resolve(false);
    await settle();
    expect(begun).toHaveLength(2);
    const third = check.ask('a'); // the second is in flight now: the third must not join it
    await settle();
    expect(begun).toHaveLength(2);
    begun[1].resolve(false);
    await expect(second).resolves.toBe(false);
    await settle();
    expect(begun).toHaveLength(3);
    begun[2].resolve(true);
    await expect(third).resolves.toBe(true);
  });

  it('a failed check fails its callers only; the queued check still runs', async () => {
    const { check, begun } = controlledCheck();
    const first = check.ask('a');
    const second = check.ask('a');
    begun[0].reject(new Error('db down'));
    await expect(first).rejects.toThrow('db down');
    await settle();
    begun[1].resolve(true);
    await expect(second).resolves.toBe(true);
    const third = check.ask('a');
    expect(begun).toHaveLength(3);
    begun[2].resolve(false);
    await expect(third).resolves.toBe(false);
  });
});
