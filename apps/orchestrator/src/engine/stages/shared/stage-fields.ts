import { isTemplated } from '../../core/stage-kind';
import { parseGoDuration } from './go-duration';

/**
 * Small field checks shared by the stage kinds. At create, a templated string (`${var}`) passes
 * every value check (it is checked again once interpolated, when the stage is reached).
 */

export type Spec = Record<string, unknown>;

export const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** `save_as` names a variable prefix: `${<name>.<field>}`. */
export const SAVE_AS = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Keys of `spec` that are not in `allowed` (unknown keys are refused so typos surface at create). */
export function unknownKeys(kind: string, spec: Spec, allowed: readonly string[]): string | undefined {
  const extra = Object.keys(spec).filter((key) => !allowed.includes(key));
  return extra.length > 0 ? `${kind}: unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')}` : undefined;
}

/** A string field: required or optional, of the right type; `''` counts as absent. */
export function stringField(kind: string, spec: Spec, field: string, required: boolean): string | undefined {
  const value = spec[field];
  if (value === undefined || value === null || value === '') return required ? `${kind}: '${field}' is required` : undefined;
  if (typeof value !== 'string') return `${kind}: '${field}' must be a string`;
  return undefined;
}

/** A Go duration (`10s`, `1m30s`) that must be positive; templated values pass at create. */
export function durationField(kind: string, spec: Spec, field: string, atCreate: boolean): string | undefined {
  const value = spec[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return `${kind}: '${field}' must be a Go duration string (e.g. 30s, 1m30s)`;
  if (atCreate && isTemplated(value)) return undefined;
  const ms = parseGoDuration(value);
  if (ms === undefined || ms <= 0) return `${kind}: invalid ${field} '${value}' (a positive Go duration, e.g. 30s, 1m30s)`;
  return undefined;
}

/** One of `choices`; templated values pass at create. */
export function enumField(kind: string, spec: Spec, field: string, choices: readonly string[], atCreate: boolean): string | undefined {
  const value = spec[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return `${kind}: '${field}' must be a string`;
  if (atCreate && isTemplated(value)) return undefined;
  if (!choices.includes(value)) return `${kind}: '${field}' must be one of ${choices.join(', ')} (got '${value}')`;
  return undefined;
}

export function saveAsField(kind: string, spec: Spec): string | undefined {
  const value = spec.save_as;
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !SAVE_AS.test(value)) {
    return `${kind}: 'save_as' must be a name of letters, digits and underscores (e.g. hook)`;
  }
  return undefined;
}

/** The first problem of a list of checks. */
export function firstProblem(...problems: Array<string | undefined>): string | undefined {
  return problems.find((problem) => problem !== undefined);
}

export function optionalString(spec: Spec, field: string): string | undefined {
  const value = spec[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
