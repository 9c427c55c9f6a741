import { compile } from '@wfp/expressions';

/**
 * Indexes of trigger filters, so that the cost of an event does not grow with the triggers
 * that cannot match it. A filter is indexed by one *necessary* condition — a top-level conjunct
 * of its `&&` chain that must hold for the filter to be true:
 *   - `event.<path> == "<string>"` and `event.<path> in ["<string>", …]` → a hash lookup;
 *   - `event.<path> > | >= | < | <= <number>` (either side)         → a binary search;
 *   - `event.<path>.startsWith("<p>")`, `hasPrefix(event.<path>, "<p>")` → a lookup per prefix length.
 * An index only selects: every selected candidate's filter is still evaluated. It never drops a
 * candidate whose filter is true (CEL has no implicit conversions: a string is never `> 100`).
 */

interface AstNode {
  op?: string;
  args?: unknown;
}

export type IndexKey =
  | { kind: 'values'; path: string[]; values: string[] }
  | { kind: 'range'; path: string[]; op: '>' | '>=' | '<' | '<='; bound: number }
  | { kind: 'prefix'; path: string[]; prefix: string };

/** `event.a.b` / `event["a"]` → ['a', 'b']; anything else → undefined. */
function eventPath(node: AstNode): string[] | undefined {
  const path: string[] = [];
  let current: AstNode = node;
  for (;;) {
    if (current?.op === 'id') return current.args === 'event' && path.length > 0 ? path.reverse() : undefined;
    if (current?.op === '.' && Array.isArray(current.args) && typeof current.args[1] === 'string') {
      path.push(current.args[1]);
      current = current.args[0] as AstNode;
      continue;
    }
    if (current?.op === '[]' && Array.isArray(current.args)) {
      const key = current.args[1] as AstNode;
      if (key?.op !== 'value' || typeof key.args !== 'string') return undefined;
      path.push(key.args);
      current = current.args[0] as AstNode;
      continue;
    }
    return undefined;
  }
}

function conjuncts(node: AstNode): AstNode[] {
  if (node?.op === '&&' && Array.isArray(node.args)) return (node.args as AstNode[]).flatMap(conjuncts);
  return [node];
}

function stringLiteral(node: AstNode): string | undefined {
  return node?.op === 'value' && typeof node.args === 'string' ? node.args : undefined;
}

/** A numeric literal that converts to a double exactly (so comparing doubles loses nothing). */
function numberLiteral(node: AstNode): number | undefined {
  if (node?.op === '-_') {
    const inner = numberLiteral(node.args as AstNode);
    return inner === undefined ? undefined : -inner;
  }
  if (node?.op !== 'value') return undefined;
  if (typeof node.args === 'number') return Number.isFinite(node.args) ? node.args : undefined;
  if (typeof node.args === 'bigint') return Number.isSafeInteger(Number(node.args)) ? Number(node.args) : undefined;
  return undefined;
}

const FLIPPED = { '>': '<', '>=': '<=', '<': '>', '<=': '>=' } as const;
type RangeOp = keyof typeof FLIPPED;

function keyOfConjunct(node: AstNode): IndexKey | undefined {
  const args = Array.isArray(node?.args) ? (node.args as unknown[]) : undefined;
  if (!args) return undefined;
  const [left, right] = args as AstNode[];
  if (node.op === '==') {
    for (const [pathSide, valueSide] of [
      [left, right],
      [right, left],
    ]) {
      const path = eventPath(pathSide);
      const value = stringLiteral(valueSide);
      if (path && value !== undefined) return { kind: 'values', path, values: [value] };
    }
    return undefined;
  }
  if (node.op === 'in') {
    const path = eventPath(left);
    const list = right?.op === 'list' && Array.isArray(right.args) ? (right.args as AstNode[]).map(stringLiteral) : undefined;
    if (path && list && list.every((v): v is string => v !== undefined)) return { kind: 'values', path, values: list };
    return undefined;
  }
  if (node.op === '>' || node.op === '>=' || node.op === '<' || node.op === '<=') {
    const op = node.op as RangeOp;
    const leftPath = eventPath(left);
    const rightBound = numberLiteral(right);
    if (leftPath && rightBound !== undefined) return { kind: 'range', path: leftPath, op, bound: rightBound };
    const rightPath = eventPath(right);
    const leftBound = numberLiteral(left);
    if (rightPath && leftBound !== undefined) return { kind: 'range', path: rightPath, op: FLIPPED[op], bound: leftBound };
    return undefined;
  }
  if (node.op === 'rcall' && args[0] === 'startsWith' && Array.isArray(args[2]) && args[2].length === 1) {
    const path = eventPath(args[1] as AstNode);
    const prefix = stringLiteral(args[2][0] as AstNode);
    if (path && prefix !== undefined) return { kind: 'prefix', path, prefix };
    return undefined;
  }
  if (node.op === 'call' && args[0] === 'hasPrefix' && Array.isArray(args[1]) && args[1].length === 2) {
    const path = eventPath(args[1][0] as AstNode);
    const prefix = stringLiteral(args[1][1] as AstNode);
    if (path && prefix !== undefined) return { kind: 'prefix', path, prefix };
  }
  return undefined;
}

/** The most selective necessary condition of a filter that an index can serve, if any. */
export function indexKeyOf(filter: string): IndexKey | undefined {
  let ast: AstNode;
  try {
    ast = compile(filter).ast as AstNode;
  } catch {
    return undefined;
  }
  const keys = conjuncts(ast)
    .map(keyOfConjunct)
    .filter((key): key is IndexKey => key !== undefined);
  // Equality first (a hash hit), then prefixes, then ranges (which may select many).
  const rank = { values: 0, prefix: 1, range: 2 } as const;
  return keys.sort((a, b) => rank[a.kind] - rank[b.kind])[0];
}

/** Kept for callers of the first version: the equality part of {@link indexKeyOf}. */
export function equalityKeyOf(filter: string): { path: string[]; value: string } | undefined {
  const key = indexKeyOf(filter);
  return key?.kind === 'values' && key.values.length === 1 ? { path: key.path, value: key.values[0] } : undefined;
}

/** What the index needs of a candidate: its filter (none = matches every event of its type). */
export interface FilterCandidate {
  filter: string | null;
}

type Entry<C> = [order: number, candidate: C];

function valueAt(payload: Record<string, unknown>, path: string[]): unknown {
  let value: unknown = payload;
  for (const key of path) {
    value =
      value !== null && typeof value === 'object' && !Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, key)
        ? (value as Record<string, unknown>)[key]
        : undefined;
    if (value === undefined) return undefined;
  }
  return value;
}

/** Triggers by the literal their filter requires at one path (`==`, `in`). */
class ValuesIndex<C> {
  readonly byValue = new Map<string, Entry<C>[]>();
  constructor(readonly path: string[]) {}
  add(values: string[], entry: Entry<C>): void {
    for (const value of new Set(values)) {
      const list = this.byValue.get(value) ?? [];
      list.push(entry);
      this.byValue.set(value, list);
    }
  }
  select(payload: Record<string, unknown>, out: Entry<C>[]): void {
    const value = valueAt(payload, this.path);
    if (typeof value === 'string') {
      const hits = this.byValue.get(value);
      if (hits) for (const hit of hits) out.push(hit);
    }
  }
}

/** Triggers by the prefix their filter requires at one path, grouped by prefix length. */
class PrefixIndex<C> {
  private readonly byLength = new Map<number, Map<string, Entry<C>[]>>();
  constructor(readonly path: string[]) {}
  add(prefix: string, entry: Entry<C>): void {
    const byPrefix = this.byLength.get(prefix.length) ?? new Map<string, Entry<C>[]>();
    this.byLength.set(prefix.length, byPrefix);
    const list = byPrefix.get(prefix) ?? [];
    list.push(entry);
    byPrefix.set(prefix, list);
  }
  select(payload: Record<string, unknown>, out: Entry<C>[]): void {
    const value = valueAt(payload, this.path);
    if (typeof value !== 'string') return;
    for (const [length, byPrefix] of this.byLength) {
      if (length > value.length) continue;
      const hits = byPrefix.get(value.slice(0, length));
      if (hits) for (const hit of hits) out.push(hit);
    }
  }
}

/** Triggers by the bound their filter requires at one path and operator, sorted by bound. */
class RangeIndex<C> {
  private entries: Array<[bound: number, entry: Entry<C>]> = [];
  private sorted = true;
  constructor(
    readonly path: string[],
    readonly op: RangeOp,
  ) {}
  add(bound: number, entry: Entry<C>): void {
    this.entries.push([bound, entry]);
    this.sorted = false;
  }
  select(payload: Record<string, unknown>, out: Entry<C>[]): void {
    const raw = valueAt(payload, this.path);
    if (typeof raw !== 'number' && typeof raw !== 'bigint') return;
    const value = Number(raw);
    if (Number.isNaN(value)) return;
    if (!this.sorted) {
      this.entries.sort((a, b) => a[0] - b[0]);
      this.sorted = true;
    }
    const { entries, op } = this;
    // First index whose bound is >= value (or > value).
    const firstAtLeast = (strict: boolean) => {
      let lo = 0;
      let hi = entries.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (strict ? entries[mid][0] <= value : entries[mid][0] < value) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    // value > bound ⇔ bound < value: the bounds before the first bound >= value.
    if (op === '>') for (let i = 0, end = firstAtLeast(false); i < end; i++) out.push(entries[i][1]);
    else if (op === '>=') for (let i = 0, end = firstAtLeast(true); i < end; i++) out.push(entries[i][1]);
    else if (op === '<') for (let i = firstAtLeast(true); i < entries.length; i++) out.push(entries[i][1]);
    else for (let i = firstAtLeast(false); i < entries.length; i++) out.push(entries[i][1]);
  }
}

type Index<C> = ValuesIndex<C> | PrefixIndex<C> | RangeIndex<C>;

/**
 * The candidates of one (event type, version), indexed by their filters' necessary conditions so
 * that an event evaluates only the filters that can match it: 10,000 triggers filtering on
 * `event.key == "…"` or `event.amount > N` cost a lookup or a binary search, not 10,000 evaluations.
 * Generic over the candidate (anything with a `filter`), so the cache of trigger rows depends on
 * the index and not the other way round.
 */
export class IndexedCandidates<C extends FilterCandidate> {
  /** Triggers without an indexable condition (evaluated for every event). */
  private readonly always: Entry<C>[] = [];
  private readonly indexes = new Map<string, Index<C>>();

  constructor(readonly all: C[]) {
    all.forEach((candidate, order) => {
      const key = candidate.filter ? indexKeyOf(candidate.filter) : undefined;
      const entry: Entry<C> = [order, candidate];
      if (!key) {
        this.always.push(entry);
        return;
      }
      const id = JSON.stringify([key.kind, key.kind === 'range' ? key.op : '', key.path]);
      let index = this.indexes.get(id);
      if (key.kind === 'values') {
        if (!index) this.indexes.set(id, (index = new ValuesIndex<C>(key.path)));
        (index as ValuesIndex<C>).add(key.values, entry);
      } else if (key.kind === 'prefix') {
        if (!index) this.indexes.set(id, (index = new PrefixIndex<C>(key.path)));
        (index as PrefixIndex<C>).add(key.prefix, entry);
      } else {
        if (!index) this.indexes.set(id, (index = new RangeIndex<C>(key.path, key.op)));
        (index as RangeIndex<C>).add(key.bound, entry);
      }
    });
  }

  get size(): number {
    return this.all.length;
  }

  /** The candidates that may match this payload, in creation order. */
  select(payload: Record<string, unknown>): C[] {
    if (this.indexes.size === 0) return this.all;
    const selected: Entry<C>[] = [...this.always];
    for (const index of this.indexes.values()) index.select(payload, selected);
    if (selected.length > 1) selected.sort((a, b) => a[0] - b[0]);
    return selected.map(([, candidate]) => candidate);
  }
}
