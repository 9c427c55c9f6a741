import { delayStage, MAX_DELAY_MS, parseDate } from './delay.stage';

const now = new Date('2026-03-01T10:00:00Z');
const context = { now, instanceId: 'i', stage: 0, variables: {} };

describe('delay stage', () => {
  describe('at workflow creation (checkStructure)', () => {
    it.each([
      [{ duration: '1m' }],
      [{ duration: '876000h' }],
      [{ duration: '-876000h' }],
      [{ until: '2026-03-01T10:00:00Z' }],
      [{ until: '0001-01-01T00:00:00Z' }],
      [{ until: '9999-12-31T23:59:59.999Z' }],
      [{ until: '2024-02-29T00:00:00+02:00' }],
      [{ duration: '${d}' }],
      [{ until: '${u}' }],
    ])('accepts %j', (spec) => {
      expect(delayStage.checkStructure(spec)).toBeUndefined();
    });

    it.each([
      [{ duration: '9999999999h' }, 'out of range'],
      [{ duration: '876000h1s' }, 'out of range'],
      [{ duration: `${'9'.repeat(400)}h` }, 'out of range'],
      [{ duration: '5 minutes' }, 'invalid duration'],
      [{ until: 'tomorrow' }, 'invalid date'],
      [{ until: '2023-02-29T00:00:00Z' }, 'invalid date'],
      [{ until: '2024-02-30T00:00:00Z' }, 'invalid date'],
      [{ until: '2024-01-01T24:00:00Z' }, 'invalid date'],
      [{ until: '2024-01-01T00:00:00+24:00' }, 'invalid date'],
      [{ until: '0000-01-01T00:00:00Z' }, 'invalid date'],
      [{ until: '0001-01-01T00:00:00+01:00' }, 'invalid date'],
      [{ until: '9999-12-31T23:59:59-01:00' }, 'invalid date'],
      [{ until: '+275760-09-13T00:00:00Z' }, 'invalid date'],
      [{ duration: 5 }, 'must be a string'],
    ])('rejects %j (%s)', (spec, message) => {
      expect(delayStage.checkStructure(spec as Record<string, unknown>)).toContain(message);
    });
  });

  describe('after interpolation (resolve)', () => {
    it('fails the stage with a clear error for an out-of-range duration', () => {
      expect(delayStage.resolve({ duration: '9999999999h' })).toEqual({
        ok: false,
        error: "delay: duration '9999999999h' out of range (at most 876000h, 100 years)",
      });
    });

    it('fails the stage for an unrepresentable date', () => {
      expect(delayStage.resolve({ until: '0000-01-01T00:00:00Z' })).toMatchObject({ ok: false, error: expect.stringContaining('invalid date') });
    });

    it('normalises valid values', () => {
      expect(delayStage.resolve({ duration: '90s' })).toEqual({ ok: true, input: { duration: '1m30s' } });
      expect(delayStage.resolve({ until: '2026-03-01T12:00:00+02:00' })).toEqual({ ok: true, input: { until: '2026-03-01T10:00:00.000Z' } });
      expect(delayStage.resolve({})).toMatchObject({ ok: false });
      expect(delayStage.resolve({ duration: '1s', until: '2026-03-01T12:00:00Z' })).toMatchObject({ ok: false });
    });
  });

  describe('start', () => {
    it('sleeps until a valid due date', () => {
      expect(delayStage.start({ duration: '1m0s' }, context)).toEqual({ type: 'sleep', until: new Date('2026-03-01T10:01:00Z') });
      expect(delayStage.start({ duration: '876000h0m0s' }, context)).toEqual({ type: 'sleep', until: new Date(now.getTime() + MAX_DELAY_MS) });
      expect(delayStage.start({ until: '2026-03-02T00:00:00.000Z' }, context)).toEqual({ type: 'sleep', until: new Date('2026-03-02T00:00:00Z') });
    });

    it('is done at once for a past date or a zero duration; fails on a negative duration', () => {
      expect(delayStage.start({ until: '2020-01-01T00:00:00.000Z' }, context)).toEqual({ type: 'done' });
      expect(delayStage.start({ duration: '0s' }, context)).toEqual({ type: 'done' });
      expect(delayStage.start({ duration: '-1s' }, context)).toEqual({ type: 'failed', error: 'negative duration provided' });
    });

    it('never sleeps on an invalid date, whatever input reaches it', () => {
      for (const input of [{ duration: '9999999999h' }, { duration: 'x' }, { until: 'x' }, { until: '+275760-09-13T00:00:00.000Z' }]) {
        const outcome = delayStage.start(input, context);
        expect(outcome.type).toBe('failed');
      }
      const nearEnd = { ...context, now: new Date('9999-12-31T00:00:00Z') };
      expect(delayStage.start({ duration: '48h0m0s' }, nearEnd)).toEqual({ type: 'failed', error: 'delay: the due date is out of range' });
    });
  });

  it('parses dates strictly (RFC 3339 as Go reads it)', () => {
    expect(parseDate('2026-03-01T10:00:00.123456789Z')?.toISOString()).toBe('2026-03-01T10:00:00.123Z');
    expect(parseDate('2026-03-01t10:00:00z')?.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(parseDate('2026-03-01T10:00:60Z')).toBeUndefined();
    expect(parseDate('2026-3-1T10:00:00Z')).toBeUndefined();
  });
});
