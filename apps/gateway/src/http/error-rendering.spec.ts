import { NotFoundException } from '@nestjs/common';
import type { Request } from 'express';
import { ServiceUnavailableError } from '@wfp/platform';
import { ApiError } from './api-error';
import { pickRenderer, plainErrorRenderer } from './error-renderers';
import { toApiError } from './to-api-error';
import { apiErrorRenderers } from '../app.module';
import { formanceErrorRenderer } from '../orchestration/formance-error-renderer';

const request = (path: string) => ({ path }) as Request;

describe('toApiError', () => {
  it('keeps ApiErrors as they are', () => {
    const error = new ApiError(404, 'NOT_FOUND', 'workflow not found');
    expect(toApiError(error)).toEqual({ apiError: error, unexpected: false });
  });

  it('turns body-parser failures into client errors, not 500s', () => {
    expect(toApiError({ type: 'entity.parse.failed', status: 400, message: 'Unexpected token' }).apiError).toMatchObject({
      status: 400,
      code: 'VALIDATION',
      message: 'malformed request body: Unexpected token',
    });
    expect(toApiError({ type: 'entity.too.large', status: 413, limit: 1024 }).apiError).toMatchObject({
      status: 413,
      message: 'request body larger than the limit of 1024 bytes',
    });
    expect(toApiError({ type: 'encoding.unsupported', message: 'unsupported content encoding "br"' }).apiError.status).toBe(415);
  });

  it('answers 503 when the owning service is unavailable', () => {
    const { apiError, unexpected } = toApiError(new ServiceUnavailableError('orchestrator.v1.info', 'no instance is running'));
    expect(unexpected).toBe(false);
    expect(apiError).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    expect(apiError.message).toBe('orchestrator service unavailable: no instance is running (orchestrator.v1.info)');
  });

  it('maps Nest HTTP exceptions by status and hides unknown errors behind a 500', () => {
    expect(toApiError(new NotFoundException('Cannot GET /x')).apiError).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const unknown = toApiError(new TypeError('boom'));
    expect(unknown.unexpected).toBe(true);
    expect(unknown.apiError).toMatchObject({ status: 500, code: 'INTERNAL', message: 'internal error' });
  });
});

describe('error renderers', () => {
  it('pick the API by path', () => {
    expect(pickRenderer(apiErrorRenderers, request('/api/orchestration/workflows'))).toBe(formanceErrorRenderer);
    expect(pickRenderer(apiErrorRenderers, request('/readyz'))).toBe(plainErrorRenderer);
    expect(pickRenderer(apiErrorRenderers, request('/api/orchestrationx'))).not.toBe(formanceErrorRenderer);
  });

  it('render Formance errors with the three codes of its spec', () => {
    const render = (error: ApiError) => formanceErrorRenderer.render(error, request('/api/orchestration/x'));
    expect(render(new ApiError(404, 'NOT_FOUND', 'nope'))).toEqual({
      status: 404,
      body: { errorCode: 'NOT_FOUND', errorMessage: 'nope' },
    });
    expect(render(new ApiError(409, 'CONFLICT', 'already terminated')).body).toEqual({
      errorCode: 'VALIDATION',
      errorMessage: 'already terminated',
    });
    expect(render(new ApiError(503, 'SERVICE_UNAVAILABLE', 'down'))).toEqual({
      status: 503,
      body: { errorCode: 'INTERNAL', errorMessage: 'down' },
    });
  });
});
