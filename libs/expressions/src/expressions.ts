import type { Environment as CelEnvironment } from '@marcbachmann/cel-js';

/**
 * CEL expressions shared by the triggers service (filters and vars over `{ event: payload }`) and
 * the orchestrator (`wait_for_event` conditions over `{ event, vars }`): CEL via @marcbachmann/cel-js,
 * with the helpers that keep the Formance documentation's examples working:
 * `hasPrefix(s, p)`, `hasSuffix(s, p)` and `get(map, key)` (null when the key is missing).
 */

/** cel-js is ESM-only: loaded with `require` (Node ≥ 20.19 loads ESM synchronously). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cel = require('@marcbachmann/cel-js') as typeof import('@marcbachmann/cel-js');

/** Longest expression accepted (a filter or one var). */
export const MAX_EXPRESSION_LENGTH = 4000;

type Program = ((context: Record<string, unknown>) => unknown) & { ast: unknown };

function buildEnvironment(): CelEnvironment {
  const lookup = (container: unknown, key: unknown): unknown => {
    if (container instanceof Map) return container.has(key) ? container.get(key) : null;
    if (Array.isArray(container)) {
      const index = typeof key === 'bigint' ? Number(key) : Number(key);
      return Number.isInteger(index) && index >= 0 && index < container.length ? container[index] : null;
    }
    if (container && typeof container === 'object' && Object.prototype.hasOwnProperty.call(container, String(key))) {
      return (container as Record<string, unknown>)[String(key)];
    }
    return null;
  };
  return new cel.Environment({
    unlistedVariablesAreDyn: true,
    homogeneousAggregateLiterals: false,
    limits: { maxAstNodes: 2000, maxDepth: 64, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 16 },
  })
    .registerFunction('hasPrefix(string, string): bool', (s: string, p: string) => s.startsWith(p))
    .registerFunction('hasSuffix(string, string): bool', (s: string, p: string) => s.endsWith(p))
    .registerFunction('get(dyn, dyn): dyn', lookup);
}

const environment = buildEnvironment();

/** Compiled programs by source: compiled once, shared by every trigger with the same expression. */
const cache = new Map<string, Program>();
const CACHE_LIMIT = 50_000;

export class ExpressionCompileError extends Error {
  override readonly name = 'ExpressionCompileError';
}

/** Compiles (parses) an expression, from the cache when seen before; throws ExpressionCompileError. */
export function compile(source: string): Program {
  const cached = cache.get(source);
  if (cached) return cached;
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionCompileError(`expression longer than ${MAX_EXPRESSION_LENGTH} characters`);
  }
  let program: Program;
  try {
    program = environment.parse(source) as unknown as Program;
  } catch (error) {
    throw new ExpressionCompileError(firstLine((error as Error).message));
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(source, program);
  return program;
}

/** The upstream message of a create-time compile failure. */
export function compileErrorMessage(source: string, error: unknown): string {
  return `error compiling expression '${source}': ${(error as Error).message}`;
}

export type FilterResult = { match: true } | { match: false; error?: string };

/** The evaluation context of an event's payload, built once and shared by every filter and var. */
export type EventContext = { readonly event: Record<string, unknown> };

export function eventContext(payload: Record<string, unknown>): EventContext {
  return { event: payload };
}

/** A filter matches when it evaluates to `true`; any other value or an error is no match. */
export function evaluateFilter(source: string, payload: Record<string, unknown>): FilterResult {
  return evaluateCondition(source, { event: payload });
}

/** {@link evaluateFilter} against a prepared context (one per event, shared by every trigger). */
export function evaluateFilterIn(source: string, context: EventContext): FilterResult {
  return evaluateCondition(source, context);
}

/**
 * A condition matches when it evaluates to `true` over `context` (e.g. `{event, vars}`); any other
 * value or an evaluation error is no match (with the error's first line).
 */
export function evaluateCondition(source: string, context: Record<string, unknown>): FilterResult {
  try {
    const value = compile(source)(context);
    return value === true ? { match: true } : { match: false };
  } catch (error) {
    return { match: false, error: firstLine((error as Error).message) };
  }
}

/**
 * Evaluates a trigger's vars to strings as upstream does: numbers in JSON form, booleans
 * `true`/`false`, strings unchanged, null or a missing field (`event.a.b` where `b` is absent)
 * `"<nil>"`, lists and maps as JSON. Throws with `var '<name>': <message>` on an error.
 */
export function evaluateVars(vars: Record<string, string>, payload: Record<string, unknown>): Record<string, string> {
  return evaluateVarsIn(vars, eventContext(payload));
}

/** {@link evaluateVars} against a prepared context. */
export function evaluateVarsIn(vars: Record<string, string>, context: EventContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, source] of Object.entries(vars)) {
    try {
      out[name] = evaluateVarIn(source, context);
    } catch (error) {
      throw new Error(`var '${name}': ${(error as Error).message}`);
    }
  }
  return out;
}

/** One var's value as a string (see evaluateVars); throws with the evaluator's message on an error. */
export function evaluateVar(source: string, payload: Record<string, unknown>): string {
  return evaluateVarIn(source, eventContext(payload));
}

function evaluateVarIn(source: string, context: EventContext): string {
  const program = compile(source);
  let value: unknown;
  try {
    value = program(context);
  } catch (error) {
    if (isNoSuchKey(error) && isFieldPath(program.ast)) value = null;
    else throw new Error(firstLine((error as Error).message));
  }
  return stringify(value);
}

export function stringify(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? Number(v) : v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v,
  );
}

function isNoSuchKey(error: unknown): boolean {
  return (error as { name?: string })?.name === 'no_such_key' || /No such key/.test((error as Error)?.message ?? '');
}

/** `event.a.b...`: a chain of field selections from an identifier. */
function isFieldPath(ast: unknown): boolean {
  const node = ast as { op?: string; args?: unknown };
  if (node?.op === 'id') return true;
  if (node?.op === '.' && Array.isArray(node.args)) return isFieldPath(node.args[0]);
  return false;
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}
