const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go duration (`1m30s`, `1.5h`, `300ms`, `0`) into milliseconds; undefined if invalid. */
export function parseGoDuration(text: string): number | undefined {
  const match = /^([-+]?)(.*)$/.exec(text);
  if (!match) return undefined;
  const [, sign, rest] = match;
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  const part = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let index = 0;
  while (index < rest.length) {
    part.lastIndex = index;
    const found = part.exec(rest);
    if (!found) return undefined;
    total += Number(found[1]) * UNIT_MS[found[2]];
    index = part.lastIndex;
  }
  return sign === '-' ? -total : total;
}

/** Formats milliseconds the way Go prints a duration (`1m0s`, `1h30m0s`, `500ms`, `0s`). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const negative = ms < 0;
  let rest = Math.abs(ms);
  let out: string;
  if (rest < 1000) {
    out = rest >= 1 ? `${rest}ms` : rest >= 1e-3 ? `${rest * 1000}µs` : `${Math.round(rest * 1e6)}ns`;
  } else {
    const hours = Math.floor(rest / 3_600_000);
    rest -= hours * 3_600_000;
    const minutes = Math.floor(rest / 60_000);
    rest -= minutes * 60_000;
    const seconds = Number((rest / 1000).toFixed(9));
    out = `${hours ? `${hours}h` : ''}${hours || minutes ? `${minutes}m` : ''}${seconds}s`;
  }
  return negative ? `-${out}` : out;
}
