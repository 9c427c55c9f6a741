import { compile } from '@wfp/expressions';
import type { Candidate } from './candidate-cache';

interface AstNode {
  op?: string;
  args?: unknown;
}

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

/**
 * A necessary condition of a filter that can be looked up: a top-level conjunct
 * `event.<path> == "<string literal>"` (either side). A filter is true only if every conjunct of
 * its `&&` chain is true, so a trigger whose literal differs from the event's value cannot match.
 */
export function equalityKeyOf(filter: string): { path: string[]; value: string } | undefined {
  let ast: AstNode;
  try {
    ast = compile(filter).ast as AstNode;
  } catch {
    return undefined;
  }
  for (const node of conjuncts(ast)) {
    if (node?.op !== '==' || !Array.isArray(node.args)) continue;
    const [left, right] = node.args as AstNode[];
    for (const [pathSide, valueSide] of [
      [left, right],
      [right, left],
    ]) {
      const path = eventPath(pathSide);
      if (path && valueSide?.op === 'value' && typeof valueSide.args === 'string') return { path, value: valueSide.args };
    }
  }
  return undefined;
}

/**
 * The candidates of one (event type, version), indexed by their equality conditions so that an
 * event evaluates only the filters that can match it (10,000 triggers filtering on
 * `event.key == "…"` cost one map lookup, not 10,000 evaluations).
 */
export class IndexedCandidates {
  /** Triggers without an indexable condition (evaluated for every event). */
  private readonly always: Array<[number, Candidate]> = [];
  /** JSON path → literal → triggers. */
  private readonly byPath = new Map<string, { path: string[]; byValue: Map<string, Array<[number, Candidate]>> }>();

  constructor(readonly all: Candidate[]) {
    all.forEach((candidate, order) => {
      const key = candidate.filter ? equalityKeyOf(candidate.filter) : undefined;
      if (!key) {
        this.always.push([order, candidate]);
        return;
      }
      const pathKey = JSON.stringify(key.path);
      let entry = this.byPath.get(pathKey);
      if (!entry) {
        entry = { path: key.path, byValue: new Map() };
        this.byPath.set(pathKey, entry);
      }
      const list = entry.byValue.get(key.value) ?? [];
      list.push([order, candidate]);
      entry.byValue.set(key.value, list);
    });
  }

  get size(): number {
    return this.all.length;
  }

  /** The candidates that may match this payload, in creation order. */
  select(payload: Record<string, unknown>): Candidate[] {
    if (this.byPath.size === 0) return this.all;
    const selected = [...this.always];
    for (const { path, byValue } of this.byPath.values()) {
      let value: unknown = payload;
      for (const key of path) {
        value = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, key)
          ? (value as Record<string, unknown>)[key]
          : undefined;
      }
      if (typeof value === 'string') selected.push(...(byValue.get(value) ?? []));
    }
    return selected.sort((a, b) => a[0] - b[0]).map(([, candidate]) => candidate);
  }
}
