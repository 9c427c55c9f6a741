/**
 * What `wfp` reads from the user: definition files (YAML or JSON, `-` for stdin), JSON payloads
 * (`@file.json`, `-`, or inline JSON) and `k=v` variables. A bad input is a usage error (exit 2)
 * naming the file or the argument.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { CliError, EXIT } from './exit-codes';

function readText(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new CliError(EXIT.usage, `cannot read ${file === '-' ? 'stdin' : file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Every document of a YAML (or JSON) file, each a mapping. */
export function readDefinitions(file: string, text = readText(file)): Record<string, unknown>[] {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) return [];
  const values = documents.map((document, index) => {
    if (document.errors.length) {
      const first = document.errors[0];
      throw new CliError(EXIT.usage, `${file}: ${first.message.split('\n')[0]}`);
    }
    const value = document.toJS() as unknown;
    if (value === null || value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new CliError(EXIT.usage, `${file}: document ${index + 1} is not a mapping (expected keys such as name, stages)`);
    }
    return value as Record<string, unknown>;
  });
  const found = values.filter((v): v is Record<string, unknown> => v !== undefined);
  if (!found.length) throw new CliError(EXIT.usage, `${file}: no definition in the file`);
  return found;
}

/** A JSON payload: `@file.json`, `-` (stdin), or the JSON text itself. */
export function readPayload(argument: string): unknown {
  const fromFile = argument.startsWith('@') ? argument.slice(1) : argument === '-' ? '-' : undefined;
  const text = fromFile ? readText(fromFile) : argument;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(EXIT.usage, `${fromFile ?? '--payload'}: not valid JSON (${(error as Error).message})`);
  }
}

/** `--var k=v` (repeated) → `{k: v}`; the value may contain `=`. */
export function parseVars(pairs: string[] = []): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(EXIT.usage, `--var ${pair}: expected name=value`);
    vars[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return vars;
}

/** The same JSON value regardless of key order (to compare a file with what the server stored). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
