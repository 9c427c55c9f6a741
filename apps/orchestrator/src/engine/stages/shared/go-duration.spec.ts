import { formatGoDuration, parseGoDuration } from './go-duration';

describe('Go duration syntax', () => {
  it.each([
    ['0', 0],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['300ms', 300],
    ['-2s', -2000],
    ['+1h', 3_600_000],
    ['1h2m3s4ms', 3_723_004],
    ['.5s', 500],
    ['1000000us', 1000],
    ['1000µs', 1],
    ['9999999999h', 9999999999 * 3_600_000],
  ])('parses %s', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 6);
  });

  it.each(['', '5', '5 minutes', '1d', 'h', '-', '1h-2m', 'NaN', 'Infinity', '1e3s', ' 1s'])('rejects %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });

  it('never yields NaN, even for absurdly long numbers', () => {
    const ms = parseGoDuration(`${'9'.repeat(400)}h`);
    expect(ms).toBe(Infinity);
  });

  it.each([
    [0, '0s'],
    [500, '500ms'],
    [60_000, '1m0s'],
    [5_400_000, '1h30m0s'],
    [-2000, '-2s'],
    [1500, '1.5s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });
});
