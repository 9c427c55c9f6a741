/**
 * Where a server validation error points in the editor's text: a parser error's "line N", or a
 * "stage N" / "'field'" message located in the YAML/JSON document (1-based line, or undefined).
 */
import { parseDocument } from 'yaml';

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

function lineOfPath(text: string, path: Array<string | number>): number | undefined {
  try {
    const doc = parseDocument(text, { keepSourceTokens: false });
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lineOfOffset(text, node.range[0]);
    // A stage given as a map: its first key's line.
    const parent = doc.getIn(path.slice(0, -1), true) as { items?: Array<{ key?: { range?: [number] }; range?: [number] }> } | undefined;
    const last = path[path.length - 1];
    const item = typeof last === 'number' ? parent?.items?.[last] : parent?.items?.find((i) => (i.key as { value?: unknown })?.value === last);
    const range = item?.range ?? item?.key?.range;
    return range ? lineOfOffset(text, range[0]) : undefined;
  } catch {
    return undefined;
  }
}

export function errorLine(text: string, message: string): number | undefined {
  const explicit = /\bline (\d+)/i.exec(message);
  if (explicit) return Number(explicit[1]);
  const position = /\bposition (\d+)/i.exec(message);
  if (position) return lineOfOffset(text, Number(position[1]));
  const stage = /\bstage (\d+)/i.exec(message);
  if (stage) return lineOfPath(text, ['stages', Number(stage[1])]);
  const field = /'(name|stages)'/.exec(message);
  if (field) return lineOfPath(text, [field[1]]);
  return undefined;
}
