/**
 * Durations of schedules (`interval`, `offset`, `jitter`, `catchup_window`): one or more
 * `<number><unit>` parts, units `ms`, `s`, `m`, `h`, `d`, `w`, `y` (365 days), e.g. `90s`,
 * `1h30m`, `1y`. Pure; an invalid text is `undefined` (the caller names the field).
 */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/gy;

export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = PART.exec(trimmed); match; match = PART.exec(trimmed)) {
    total += Number(match[1]) * UNIT_MS[match[2]];
    consumed = PART.lastIndex;
  }
  if (consumed !== trimmed.length) return undefined;
  return Number.isFinite(total) ? Math.round(total) : undefined;
}
