/** Percentiles, medians and the report table of the benchmark suite. */

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Median and range of the runs of one measure. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function summarize(runs: number[]): Summary {
  const finite = runs.filter((r) => Number.isFinite(r));
  return { median: percentile(finite, 50), min: Math.min(...finite), max: Math.max(...finite), runs };
}

/** One row of the report: a measure, its runs, and optionally its target. */
export interface Row {
  scenario: string;
  measure: string;
  unit: string;
  runs: number[];
  target?: string;
  /** True when the target is met by every run (undefined: no target). */
  met?: boolean;
  note?: string;
}

export function fmt(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toFixed(0);
  if (abs >= 100) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

export function markdownTable(rows: Row[]): string {
  const lines = [
    '| Scenario | Measure | Median | Min – max | Unit | Target | Met |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const s = summarize(row.runs);
    const met = row.met === undefined ? '' : row.met ? 'yes' : '**no**';
    lines.push(
      `| ${row.scenario} | ${row.measure}${row.note ? ` (${row.note})` : ''} | ${fmt(s.median)} | ${fmt(s.min)} – ${fmt(s.max)} | ${row.unit} | ${row.target ?? ''} | ${met} |`,
    );
  }
  return lines.join('\n');
}

/** Ratio runs of two measures measured side by side (run i ÷ run i). */
export function ratios(numerator: number[], denominator: number[]): number[] {
  return numerator.map((value, i) => value / denominator[i]);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
