import { compileSpec, CompiledSpec, fireTimesBetween, isSpecProblem, nextFireTimes, SpecProblem } from './fire-times';
import type { ScheduleSpec } from '@wfp/contracts';
import { parseDuration } from './duration';
import { jitterDelayMs } from './jitter';
import { tickIdempotencyKey, tickUuid } from './tick-identity';

function compiled(spec: ScheduleSpec): CompiledSpec {
  const result = compileSpec(spec);
  if (isSpecProblem(result)) throw new Error(`${result.field}: ${result.message}`);
  return result;
}
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['2d', 172_800_000],
    ['1y', 31_536_000_000],
    ['1.5h', 5_400_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5', 'h', '5x', '1h 30m', '-1s', '1h-'])('%j is not a duration', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('fire times of a spec', () => {
  it('reads 5-field cron minute first and 6-field cron second first, in UTC by default', () => {
    expect(iso(nextFireTimes(compiled({ cron: '*/15 * * * *' }), new Date('2026-01-01T00:07:00Z'), 3))).toEqual([
      '2026-01-01T00:15:00.000Z',
      '2026-01-01T00:30:00.000Z',
      '2026-01-01T00:45:00.000Z',
    ]);
    expect(iso(nextFireTimes(compiled({ cron: '*/20 * * * * *' }), new Date('2026-01-01T00:00:00Z'), 3))).toEqual([
      '2026-01-01T00:00:20.000Z',
      '2026-01-01T00:00:40.000Z',
      '2026-01-01T00:01:00.000Z',
    ]);
  });

  it('reads cron in the IANA time zone', () => {
    expect(iso(nextFireTimes(compiled({ cron: '0 9 * * *', timezone: 'America/New_York' }), new Date('2026-01-01T00:00:00Z'), 1))).toEqual([
      '2026-01-01T14:00:00.000Z',
    ]);
  });

  it('places intervals on a grid from the epoch plus the offset, in both spellings', () => {
    const expected = ['2026-01-01T05:00:00.000Z', '2026-01-01T11:00:00.000Z', '2026-01-01T17:00:00.000Z', '2026-01-01T23:00:00.000Z'];
    expect(iso(nextFireTimes(compiled({ interval: 'every 6h offset 5h' }), new Date('2026-01-01T00:00:00Z'), 4))).toEqual(expected);
    expect(iso(nextFireTimes(compiled({ interval: { interval: '6h', offset: '5h' } }), new Date('2026-01-01T00:00:00Z'), 4))).toEqual(expected);
    expect(iso(nextFireTimes(compiled({ interval: '1m' }), new Date('2026-01-01T00:00:30Z'), 2))).toEqual(['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z']);
  });

  it('is strictly after the given instant, and fireTimesBetween is [from, to)', () => {
    const hourly = compiled({ interval: '1h' });
    expect(iso(nextFireTimes(hourly, new Date('2026-01-01T01:00:00Z'), 1))).toEqual(['2026-01-01T02:00:00.000Z']);
    const between = fireTimesBetween(hourly, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-02T00:00:00Z'), 1000);
    expect(between).toHaveLength(24);
    expect(between[0].toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(between[23].toISOString()).toBe('2026-01-01T23:00:00.000Z');
    expect(fireTimesBetween(hourly, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-02T00:00:00Z'), 5)).toHaveLength(5);
  });

  it('honours start_at (inclusive) and end_at (exclusive)', () => {
    const spec = compiled({ interval: '1h', start_at: '2026-01-01T03:00:00Z', end_at: '2026-01-01T06:00:00Z' });
    expect(iso(nextFireTimes(spec, new Date('2026-01-01T00:00:00Z'), 10))).toEqual([
      '2026-01-01T03:00:00.000Z',
      '2026-01-01T04:00:00.000Z',
      '2026-01-01T05:00:00.000Z',
    ]);
  });

  describe('Europe/Paris 30 2 * * * over both DST changes of 2026', () => {
    const paris = compiled({ cron: '30 2 * * *', timezone: 'Europe/Paris' });

    it('the missing 02:30 of Sunday 29 March fires once, at the next valid instant (03:00 CEST = 01:00Z)', () => {
      expect(iso(nextFireTimes(paris, new Date('2026-03-27T12:00:00Z'), 4))).toEqual([
        '2026-03-28T01:30:00.000Z', // 02:30 CET (+1)
        '2026-03-29T01:00:00.000Z', // 02:30 does not exist: 03:00 CEST
        '2026-03-30T00:30:00.000Z', // 02:30 CEST (+2)
        '2026-03-31T00:30:00.000Z',
      ]);
    });

    it('the twice-occurring 02:30 of Sunday 25 October fires once, at its first occurrence (02:30 CEST = 00:30Z)', () => {
      expect(iso(nextFireTimes(paris, new Date('2026-10-23T12:00:00Z'), 4))).toEqual([
        '2026-10-24T00:30:00.000Z',
        '2026-10-25T00:30:00.000Z', // first 02:30 (CEST); the second (01:30Z, CET) does not fire
        '2026-10-26T01:30:00.000Z', // 02:30 CET (+1)
        '2026-10-27T01:30:00.000Z',
      ]);
    });

    it('one run per day over each transition week', () => {
      for (const [from, to] of [
        ['2026-03-26T00:00:00Z', '2026-04-02T00:00:00Z'],
        ['2026-10-22T00:00:00Z', '2026-10-29T00:00:00Z'],
      ]) {
        expect(fireTimesBetween(paris, new Date(from), new Date(to), 100)).toHaveLength(7);
      }
    });

    it('a stepped hour follows elapsed time through the repeated hour', () => {
      const halfHourly = compiled({ cron: '*/30 * * * *', timezone: 'Europe/Paris' });
      expect(iso(fireTimesBetween(halfHourly, new Date('2026-10-25T00:00:00Z'), new Date('2026-10-25T02:00:00Z'), 10))).toEqual([
        '2026-10-25T00:00:00.000Z',
        '2026-10-25T00:30:00.000Z',
        '2026-10-25T01:00:00.000Z',
        '2026-10-25T01:30:00.000Z',
      ]);
    });
  });

  it.each<[ScheduleSpec, SpecProblem['field'], RegExp]>([
    [{ cron: '* * * *' }, 'spec.cron', /4 fields/],
    [{ cron: '61 * * * *' }, 'spec.cron', /minute/],
    [{ cron: '* * * * *', timezone: 'Mars/Olympus' }, 'spec.timezone', /Mars\/Olympus/],
    [{ interval: 'often' }, 'spec.interval', /often/],
    [{ interval: '500ms' }, 'spec.interval', /at least 1s/],
    [{ interval: 'every 1h offset 2h' }, 'spec.interval', /offset/],
    [{ interval: { interval: '1h', offset: 'x' } }, 'spec.interval.offset', /offset/],
    [{ interval: '1h', jitter: 'soon' }, 'spec.jitter', /soon/],
    [{}, 'spec', /exactly one/],
    [{ cron: '* * * * *', interval: '1m' }, 'spec', /exactly one/],
    [{ interval: '1h', start_at: '2026-01-02T00:00:00Z', end_at: '2026-01-01T00:00:00Z' }, 'spec.end_at', /after start_at/],
  ])('rejects %j naming %s', (spec, field, message) => {
    const result = compileSpec(spec);
    expect(isSpecProblem(result) && result.field).toBe(field);
    expect(isSpecProblem(result) && result.message).toMatch(message);
  });
});

describe('jitter and tick identity', () => {
  it('jitter is deterministic per (schedule, time) and within [0, jitter)', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const delays = Array.from({ length: 50 }, (_, i) => jitterDelayMs('s1', new Date(at.getTime() + i * 60_000), 30_000));
    expect(delays.every((d) => d >= 0 && d < 30_000)).toBe(true);
    expect(new Set(delays).size).toBeGreaterThan(10);
    expect(jitterDelayMs('s1', at, 30_000)).toBe(jitterDelayMs('s1', at, 30_000));
    expect(jitterDelayMs('s1', at, 0)).toBe(0);
  });

  it('derives the event id and idempotency key from schedule id and scheduled time', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(tickUuid('s1', at)).toBe(tickUuid('s1', new Date(at)));
    expect(tickUuid('s1', at)).not.toBe(tickUuid('s2', at));
    expect(tickUuid('s1', at)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(tickIdempotencyKey('s1', at)).toBe('schedule:s1:2026-01-01T00:00:00.000Z');
  });
});
