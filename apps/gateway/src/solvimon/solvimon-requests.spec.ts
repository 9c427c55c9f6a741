import type { Request } from 'express';
import { ApiError } from '../http/api-error';
import { solvimonErrorRenderer } from './solvimon-error-renderer';
import { bodyHash, pageLinks, parseCreateBody, parsePageQuery } from './solvimon-requests';

const defaults = { direction: 'desc' as const, limit: 50, maxLimit: 100 };

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    return error as ApiError;
  }
  throw new Error('expected a throw');
}

describe('Solvimon request parsing', () => {
  it('reads page, limit, order_by and order_direction with defaults and field errors', () => {
    expect(parsePageQuery({}, defaults)).toEqual({ page: 1, limit: 50, orderBy: 'created_at', orderDirection: 'desc' });
    expect(parsePageQuery({ page: '3', limit: '10', order_by: 'name', order_direction: 'ASC' }, defaults)).toEqual({
      page: 3,
      limit: 10,
      orderBy: 'created_at',
      orderDirection: 'asc',
    });
    expect(thrown(() => parsePageQuery({ page: '-1' }, defaults)).details).toEqual({ solvimonCode: 'INVALID_FIELD', field: 'page' });
    expect(thrown(() => parsePageQuery({ limit: '101' }, defaults)).details).toMatchObject({ field: 'limit' });
    expect(thrown(() => parsePageQuery({ page: ['1', '2'] }, defaults)).details).toMatchObject({ field: 'page' });
  });

  it('builds links with null for missing pages', () => {
    const q = { page: 2, limit: 10, orderBy: 'created_at' as const, orderDirection: 'asc' as const };
    expect(pageLinks('/v1/workflow-triggers', q, 2)).toEqual({
      first: '/v1/workflow-triggers?page=1&limit=10&order_by=created_at&order_direction=asc',
      previous: '/v1/workflow-triggers?page=1&limit=10&order_by=created_at&order_direction=asc',
      current: '/v1/workflow-triggers?page=2&limit=10&order_by=created_at&order_direction=asc',
      next: null,
    });
  });

  it('validates create bodies with Solvimon codes and dotted fields', () => {
    const ok = { type: 'MANUAL', workflow_id: 'w', payment: { payment_id: 'p', manual: { variant: 'FAILED_PAYMENT' } } };
    expect(parseCreateBody({ ...ok, id: 'x', object_type: 'y' })).toEqual(ok);
    expect(thrown(() => parseCreateBody({ ...ok, payment: { payment_id: 'p', manual: { variant: 'failed_payment' } } })).details).toEqual({
      solvimonCode: 'INVALID_FIELD',
      field: 'payment.manual.variant',
    });
    expect(thrown(() => parseCreateBody('x')).details).toEqual({ solvimonCode: 'UNABLE_TO_PROCESS_INSTRUCTIONS' });
  });

  it('hashes bodies independently of key order', () => {
    expect(bodyHash({ a: 1, b: { c: 2, d: 3 } })).toBe(bodyHash({ b: { d: 3, c: 2 }, a: 1 }));
    expect(bodyHash({ a: 1 })).not.toBe(bodyHash({ a: 2 }));
  });
});

describe('Solvimon error renderer', () => {
  const req = (path: string) => {
    const headers: Record<string, string> = {};
    return { path, res: { headersSent: false, setHeader: (k: string, v: string) => (headers[k] = v) }, headers } as unknown as Request;
  };

  it('renders ApiError bodies with codes from the details or from the status', () => {
    const r = req('/v1/workflow-triggers');
    expect(solvimonErrorRenderer.matches(r)).toBe(true);
    expect(solvimonErrorRenderer.matches(req('/v1/workflows'))).toBe(false);
    const notFound = solvimonErrorRenderer.render(
      new ApiError(404, 'NOT_FOUND', 'workflow w not found', { solvimonCode: 'RESOURCE_NOT_FOUND', resource_type: 'WORKFLOW', resource_id: 'w' }),
      r,
    );
    expect(notFound.status).toBe(404);
    expect(notFound.body).toEqual({ type: 'INVALID_REQUEST', code: 'RESOURCE_NOT_FOUND', message: 'workflow w not found', resource_type: 'WORKFLOW', resource_id: 'w' });
    expect(notFound.headers!['X-REQUEST-ID']).toMatch(/^reqr_[0-9A-Za-z]{20}$/);
    expect(solvimonErrorRenderer.render(new ApiError(503, 'SERVICE_UNAVAILABLE', 'down'), r).body).toEqual({
      type: 'API_ERROR',
      code: 'INTERNAL_ERROR',
      message: 'down',
    });
    expect((solvimonErrorRenderer.render(new ApiError(400, 'VALIDATION', 'Unexpected token'), r).body as { code: string }).code).toBe(
      'UNABLE_TO_PROCESS_INSTRUCTIONS',
    );
    expect((solvimonErrorRenderer.render(new ApiError(415, 'VALIDATION', 'x'), r).body as { code: string }).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    // The same request keeps one request id.
    expect(solvimonErrorRenderer.render(new ApiError(401, 'UNAUTHORIZED', 'x'), r).headers).toEqual(notFound.headers);
  });
});
