/**
 * The gateway's one text and structure policy for client input, applied at the edge to every
 * request of every API (body, query string and path) before any controller sees it:
 *
 * - no NUL character (U+0000) in any string, object key or path segment (Postgres cannot store it);
 * - only well-formed UTF-16 (no lone surrogate such as `"\ud800"`), and only valid UTF-8 in
 *   percent-encoded paths;
 * - nesting (objects and arrays) at most {@link TEXT_POLICY.maxDepth} deep;
 * - each string at most {@link TEXT_POLICY.maxStringLength} UTF-16 code units, each object key
 *   at most {@link TEXT_POLICY.maxKeyLength}.
 *
 * A violation is a 400 naming the field (dotted path) and the rule, rendered in the API's own
 * error format by the gateway's error handler (Formance VALIDATION, Engage bad_request, Solvimon
 * INVALID_FIELD, plain JSON on /api/events). The walk is iterative: no input can overflow the stack.
 */
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './api-error';

export const TEXT_POLICY = {
  maxDepth: 64,
  maxStringLength: 100_000,
  maxKeyLength: 1_000,
} as const;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface TextViolation {
  /** Dotted path of the offending value (`body.stages.0.name`, `query.name`, `path`). */
  field: string;
  rule: string;
}

/** The first problem in a string, or undefined. */
export function stringProblem(value: string, maxLength: number = TEXT_POLICY.maxStringLength): string | undefined {
  if (value.length > maxLength) return `is longer than ${maxLength} characters`;
  if (value.includes('\u0000')) return 'contains a NUL character (\\u0000), which is not allowed';
  if (LONE_SURROGATE.test(value)) return 'contains invalid UTF-16 (a lone surrogate), which is not allowed';
  return undefined;
}

/** The first policy violation in a parsed value (JSON, YAML, query string), or undefined. */
export function findTextViolation(root: unknown, rootField: string): TextViolation | undefined {
  const stack: Array<{ value: unknown; field: string; depth: number }> = [{ value: root, field: rootField, depth: 0 }];
  while (stack.length > 0) {
    const { value, field, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = stringProblem(value);
      if (problem) return { field, rule: problem };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= TEXT_POLICY.maxDepth) return { field, rule: `nests deeper than ${TEXT_POLICY.maxDepth} levels` };
    const entries: Array<[string, unknown]> = Array.isArray(value)
      ? value.map((item, i) => [String(i), item])
      : Object.entries(value as Record<string, unknown>);
    for (const [key, child] of entries) {
      const keyProblem = stringProblem(key, TEXT_POLICY.maxKeyLength);
      if (keyProblem) return { field: `${field}.${safeKey(key)}`, rule: `has a key that ${keyProblem}` };
      stack.push({ value: child, field: `${field}.${key}`, depth: depth + 1 });
    }
  }
  return undefined;
}

/** A key fit to quote in an error message. */
function safeKey(key: string): string {
  return key.slice(0, 40).replace(/[\u0000-\u001f\ud800-\udfff]/g, '?');
}

/** The first violation in a raw request path (each segment percent-decoded), or undefined. */
export function findPathViolation(rawPath: string): TextViolation | undefined {
  for (const segment of rawPath.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { field: 'path', rule: 'is not valid percent-encoded UTF-8' };
    }
    const problem = stringProblem(decoded);
    if (problem) return { field: 'path', rule: problem };
  }
  return undefined;
}

/** The 400 of a violation (`details.field` for APIs that name fields, `solvimonCode` for Solvimon). */
export function textPolicyError(violation: TextViolation): ApiError {
  return new ApiError(400, 'VALIDATION', `invalid input: ${violation.field} ${violation.rule}`, {
    field: violation.field.replace(/^(body|query)\.?/, '') || violation.field,
    solvimonCode: 'INVALID_FIELD',
  });
}

/** Checks a request's path, query string and (parsed) body; throws the 400 of the first violation. */
export function assertRequestText(req: Request): void {
  const violation =
    findPathViolation(req.path) ?? findTextViolation(req.query, 'query') ?? findTextViolation(req.body, 'body');
  if (violation) throw textPolicyError(violation);
}

/** Express middleware (after the body parsers, before the routes) applying the policy. */
export function textPolicyMiddleware(req: Request, _res: Response, next: NextFunction): void {
  try {
    assertRequestText(req);
    next();
  } catch (error) {
    next(error);
  }
}
