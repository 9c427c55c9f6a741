import { FakeClock } from './fake-clock';
import { eventually } from './eventually';

describe('FakeClock', () => {
  it('moves only when advanced or set', () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
    clock.advance(90_000);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:01:30.000Z');
    clock.set('2030-05-05T05:05:05Z');
    expect(clock.now().toISOString()).toBe('2030-05-05T05:05:05.000Z');
  });
});

describe('eventually', () => {
  it('returns the first truthy value', async () => {
    let calls = 0;
    await expect(eventually(() => (++calls >= 3 ? calls : undefined), { intervalMs: 1 })).resolves.toBe(3);
  });

  it('fails with the last error after the timeout', async () => {
    await expect(
      eventually(
        () => {
          throw new Error('still wrong');
        },
        { timeoutMs: 20, intervalMs: 5, what: 'the thing' },
      ),
    ).rejects.toThrow('timed out after 20 ms waiting for the thing: still wrong');
  });
});
