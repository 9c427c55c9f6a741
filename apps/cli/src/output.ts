/**
 * How `wfp` answers: with `--json`, one JSON document on stdout (NDJSON for `watch`), for
 * scripts; otherwise short human text and tables. Messages for people (progress, warnings,
 * errors) always go to stderr, so stdout stays parseable.
 */
export interface Output {
  json: boolean;
  /** The command's result: `value` as JSON, or the lines `human` makes from it. */
  result<T>(value: T, human: (value: T) => string | string[]): void;
  /** A note for people (stderr), never part of the result. */
  note(line: string): void;
  /** Raw text on stdout (the watch timeline). */
  write(text: string): void;
  isTty: boolean;
}

export function createOutput(json: boolean, stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  return {
    json,
    isTty: Boolean(stdout.isTTY),
    result(value, human) {
      if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      else {
        const text = human(value);
        const lines = Array.isArray(text) ? text : [text];
        if (lines.length) stdout.write(`${lines.join('\n')}\n`);
      }
    },
    note: (line) => void stderr.write(`${line}\n`),
    write: (text) => void stdout.write(text),
  };
}

/** Rows as an aligned text table with a header. */
export function table(headers: string[], rows: string[][]): string[] {
  if (!rows.length) return [];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)];
}
