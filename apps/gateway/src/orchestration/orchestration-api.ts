import type { Request } from 'express';
import { parse as parseYaml } from 'yaml';
import { isUuid } from '@wfp/contracts';
import { ApiError } from '../http/api-error';
import { YAML_CONTENT_TYPES } from '../http/content-types';
import { findTextViolation, textPolicyError } from '../http/text-policy';
import { yamlNestingProblem } from './yaml-nesting';

/** The workflow config of a createWorkflow request: JSON, or YAML with `Content-Type: text/vnd.yaml`. */
export function workflowConfigFromBody(req: Request): unknown {
  if (req.is(YAML_CONTENT_TYPES)) {
    if (typeof req.body !== 'string' || req.body.trim() === '') throw new ApiError(400, 'VALIDATION', 'unmarshalling yaml: empty body');
    const tooDeep = yamlNestingProblem(req.body);
    if (tooDeep) throw new ApiError(400, 'VALIDATION', `unmarshalling yaml: ${tooDeep}`);
    let config: unknown;
    try {
      // No aliases at all: they make circular structures (`a: &a [*a]`) and alias bombs.
      config = parseYaml(req.body, { maxAliasCount: 0 });
    } catch (error) {
      const message = /alias/i.test((error as Error).message) ? 'aliases (&anchor / *alias) are not supported' : (error as Error).message;
      throw new ApiError(400, 'VALIDATION', `unmarshalling yaml: ${message.slice(0, 500)}`);
    }
    const violation = findTextViolation(config, 'body');
    if (violation) throw textPolicyError(violation);
    return config;
  }
  if (req.body === undefined || req.body === null || typeof req.body !== 'object') {
    throw new ApiError(400, 'VALIDATION', 'unmarshalling json body: a JSON object is required (Content-Type: application/json or text/vnd.yaml)');
  }
  return req.body;
}

/** The run body: an optional `{string: string}` object of variables. */
export function variablesFromBody(body: unknown): Record<string, string> {
  if (body === undefined || body === null || (typeof body === 'string' && body === '')) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(400, 'VALIDATION', 'unmarshalling json body: variables must be an object of strings');
  }
  for (const [key, value] of Object.entries(body)) {
    if (typeof value !== 'string') {
      throw new ApiError(400, 'VALIDATION', `unmarshalling json body: variable '${key}' must be a string, got ${value === null ? 'null' : typeof value}`);
    }
  }
  return body as Record<string, string>;
}

/** `true`/`1` (any case) as upstream reads `wait` and `running`. */
export function truthyQuery(value: unknown): boolean {
  return typeof value === 'string' && ['true', '1'].includes(value.toLowerCase());
}

/** Formance routes take UUID workflow ids. */
export function assertUuid(id: string, what: string): void {
  if (!isUuid(id)) {
    throw new ApiError(400, 'VALIDATION', `invalid ${what} '${id}': must be a UUID`);
  }
}

/** A JSON object request body (trigger and schedule operations), else a 400. */
export function jsonObjectBody(req: Request): unknown {
  if (req.body === undefined || req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) {
    throw new ApiError(400, 'VALIDATION', 'unmarshalling json body: a JSON object is required (Content-Type: application/json)');
  }
  return req.body;
}
