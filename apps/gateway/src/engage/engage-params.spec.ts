import type { Request } from 'express';
import { ApiError } from '../http/api-error';
import { engageErrorRenderer } from './engage-error-renderer';
import { engageParams, engageToken, enumParam, integerParam, listParam, mapParam, objectIdParam, scalar } from './engage-params';

function req(query: Record<string, unknown>, body: unknown = {}, headers: Record<string, string> = {}): Request {
  return { query, body, headers } as unknown as Request;
}

function errorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    return error as ApiError;
  }
  throw new Error('expected an error');
}

describe('Engage parameters', () => {
  it('merge query and body, the body winning', () => {
    expect(engageParams(req({ a: '1', b: '2' }, { b: '3' }))).toEqual({ a: '1', b: '3' });
  });

  it('read the token from Authorization: Bearer or access_token, else 403 invalid_access_token', () => {
    expect(engageToken(req({}, {}, { authorization: 'Bearer abc' }), {})).toBe('abc');
    expect(engageToken(req({}), { access_token: 'xyz' })).toBe('xyz');
    const error = errorOf(() => engageToken(req({}), {}));
    expect(error).toMatchObject({ status: 403, details: { error: 'invalid_access_token' } });
  });

  it('keep the last of a repeated plain query parameter (Rack), and reject lists and maps where a value is expected', () => {
    const withUrl = (url: string, query: Record<string, unknown>) => ({ ...req(query), originalUrl: url }) as unknown as Request;
    expect(engageParams(withUrl('/1.0/interventions?limit=5&limit=7', { limit: ['5', '7'] })).limit).toBe('7');
    expect(engageParams(withUrl('/1.0/interventions?identity_id[]=a&identity_id[]=b', { identity_id: ['a', 'b'] })).identity_id).toEqual(['a', 'b']);
    expect(errorOf(() => scalar({ limit: ['5', '7'] }, 'limit')).status).toBe(422);
    expect(errorOf(() => scalar({ user_id: { k: 'x' } }, 'user_id')).status).toBe(422);
  });

  it('reject access_token[]=x and access_token[k]=x with 403 invalid_access_token', () => {
    for (const access_token of [['x'], { k: 'x' }]) {
      expect(errorOf(() => engageToken(req({}), { access_token }))).toMatchObject({ status: 403, details: { error: 'invalid_access_token' } });
    }
  });

  it('validate ids, integers, enums, lists and maps', () => {
    expect(objectIdParam({ id: 'a'.repeat(24) }, 'id')).toBe('a'.repeat(24));
    expect(errorOf(() => objectIdParam({ id: '123' }, 'id')).status).toBe(422);
    expect(integerParam({ limit: '30' }, 'limit', 1, 150)).toBe(30);
    for (const limit of ['0', '151', '1.5', 'x']) expect(errorOf(() => integerParam({ limit }, 'limit', 1, 150)).status).toBe(422);
    expect(enumParam({ sort: 'updated_at' }, 'sort', ['created_at', 'updated_at'])).toBe('updated_at');
    expect(errorOf(() => enumParam({ sort: 'name' }, 'sort', ['created_at'])).status).toBe(422);
    expect(listParam({ ids: ['a', 'b'] }, 'ids')).toEqual(['a', 'b']);
    expect(listParam({ ids: 'a' }, 'ids')).toEqual(['a']);
    expect(mapParam({ m: { k: 'v' } }, 'm')).toEqual({ k: 'v' });
    expect(errorOf(() => mapParam({ m: 'flat' }, 'm')).status).toBe(422);
  });
});

describe('Engage error renderer', () => {
  const render = (error: ApiError) => engageErrorRenderer.render(error, req({}));

  it('renders {error, message, status} with Engage identifiers', () => {
    expect(render(new ApiError(404, 'NOT_FOUND', 'Resource not found'))).toEqual({
      status: 404,
      body: { error: 'not_found', message: 'Resource not found', status: 404 },
    });
    expect(render(new ApiError(403, 'FORBIDDEN', 'Invalid access token', { error: 'invalid_access_token' })).body).toEqual({
      error: 'invalid_access_token',
      message: 'Invalid access token',
      status: 403,
    });
    expect(render(new ApiError(409, 'CONFLICT', 'busy')).body).toEqual({ error: 'conflict', message: 'busy', status: 409 });
  });

  it('adds errors[] to a 422', () => {
    const errors = [{ attribute: 'content_id', type: 'taken', message: 'taken' }];
    expect(render(new ApiError(422, 'UNPROCESSABLE', 'taken', { errors })).body).toEqual({
      error: 'validation_error',
      message: 'taken',
      status: 422,
      errors,
    });
    expect(render(new ApiError(422, 'UNPROCESSABLE', 'bad')).body).toMatchObject({ errors: [{ attribute: 'base', message: 'bad' }] });
  });
});
