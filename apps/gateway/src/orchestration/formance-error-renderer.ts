import type { Request } from 'express';
import type { ApiError } from '../http/api-error';
import type { ApiErrorRenderer } from '../http/error-renderers';
import type { FormanceError } from './formance-v1-wire';

export const ORCHESTRATION_PREFIX = '/api/orchestration';

function formanceCode(error: ApiError): FormanceError['errorCode'] {
  if (error.code === 'NOT_FOUND') return 'NOT_FOUND';
  if (error.status >= 500) return 'INTERNAL';
  return 'VALIDATION';
}

/** Formance error body: `{"errorCode": "VALIDATION"|"NOT_FOUND"|"INTERNAL", "errorMessage": "..."}`. */
export const formanceErrorRenderer: ApiErrorRenderer = {
  matches: (req: Request) => req.path === ORCHESTRATION_PREFIX || req.path.startsWith(`${ORCHESTRATION_PREFIX}/`),
  render: (error) => ({
    status: error.status,
    body: { errorCode: formanceCode(error), errorMessage: error.message } satisfies FormanceError,
  }),
};
