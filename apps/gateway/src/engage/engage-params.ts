import type { Request } from 'express';
import { ApiError } from '../http/api-error';

export type Params = Record<string, unknown>;

const HEX24 = /^[0-9a-f]{24}$/;

function unprocessable(message: string, attribute = message.split(' ')[0], type = 'invalid'): ApiError {
  return new ApiError(422, 'UNPROCESSABLE', message, { error: 'validation_error', errors: [{ attribute, type, message }] });
}

/**
 * Query string and body parameters, merged (body wins), as Engage (Rails/Rack) reads them: a
 * repeated plain query parameter (`limit=5&limit=7`) keeps its last value, while `name[]=…` is a
 * list and `name[key]=…` a map; a list or map where a single value is expected is rejected (422,
 * 403 for `access_token`), never coerced.
 */
export function engageParams(req: Request): Params {
  const query = { ...((req.query ?? {}) as Params) };
  const url = req.originalUrl ?? req.url ?? '';
  const rawQuery = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  try {
    for (const [key, value] of new URLSearchParams(rawQuery)) if (!key.includes('[')) query[key] = value;
  } catch {
    // unparseable query strings are rejected by the text policy before reaching here
  }
  const body = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Params) : {};
  return { ...query, ...body };
}

/** The access token: `access_token` parameter or `Authorization: Bearer`. Missing → 403 invalid_access_token. */
export function engageToken(req: Request, params: Params): string {
  const header = req.headers.authorization;
  const bearer = typeof header === 'string' && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : undefined;
  const param = params.access_token;
  const token = bearer || (typeof param === 'string' ? param : undefined);
  if (!token || token.length > 256 || (!bearer && param !== undefined && typeof param !== 'string')) {
    throw new ApiError(403, 'FORBIDDEN', 'Invalid access token', { error: 'invalid_access_token' });
  }
  return token;
}

/** A scalar parameter; a list (`name[]=…`) or map (`name[k]=…`) is rejected, not coerced. */
export function scalar(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') throw unprocessable(`${name} must be a single value`);
  return value;
}

export function requiredScalar(params: Params, name: string): string {
  const value = scalar(params, name);
  if (value === undefined || value === '') throw unprocessable(`${name} is required`, name, 'blank');
  return value;
}

export function objectIdParam(params: Params, name: string): string | undefined {
  const value = scalar(params, name);
  if (value === undefined || value === '') return undefined;
  if (!HEX24.test(value)) throw unprocessable(`${name} must be a 24-character hexadecimal id`);
  return value;
}

/** `name` or `name[]`: a list of strings. */
export function listParam(params: Params, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v) => typeof v === 'string' || typeof v === 'number')) throw unprocessable(`${name} must be a list of values`);
  return list.map(String);
}

export function integerParam(params: Params, name: string, min: number, max: number): number | undefined {
  const value = scalar(params, name);
  if (value === undefined || value === '') return undefined;
  if (!/^-?\d{1,9}$/.test(value)) throw unprocessable(`${name} must be an integer`);
  const n = Number(value);
  if (n < min || n > max) throw unprocessable(`${name} must be between ${min} and ${max}`);
  return n;
}

export function enumParam<T extends string>(params: Params, name: string, values: readonly T[]): T | undefined {
  const value = scalar(params, name);
  if (value === undefined || value === '') return undefined;
  if (!(values as readonly string[]).includes(value)) throw unprocessable(`${name} must be one of: ${values.join(', ')}`);
  return value as T;
}

/** `name[key]=value` map. */
export function mapParam(params: Params, name: string): Record<string, string> {
  const value = params[name];
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw unprocessable(`${name} must be a map (${name}[key]=value)`);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw unprocessable(`${name}[${key}] must be a single value`);
    out[key] = String(v);
  }
  return out;
}
