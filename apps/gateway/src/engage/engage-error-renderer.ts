import type { Request } from 'express';
import type { ApiErrorRenderer } from '../http/error-renderers';
import type { EngageError } from './engage-wire';

export const ENGAGE_PREFIX = '/1.0';

const ERROR_OF_STATUS: Record<number, string> = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  422: 'validation_error',
  500: 'internal_server_error',
  503: 'service_unavailable',
};

/**
 * Engage Digital error body: `{error, message, status}` (403 `invalid_access_token` for a bad
 * token, 404 `not_found`, 422 with `errors[]`). The service passes `error`/`errors` in details.
 */
export const engageErrorRenderer: ApiErrorRenderer = {
  matches: (req: Request) => req.path === ENGAGE_PREFIX || req.path.startsWith(`${ENGAGE_PREFIX}/`),
  render: (error) => {
    const details = error.details ?? {};
    const name = typeof details.error === 'string' ? details.error : (ERROR_OF_STATUS[error.status] ?? error.code.toLowerCase());
    const body: EngageError = { error: name, message: error.message, status: error.status };
    if (error.status === 422) {
      body.errors = Array.isArray(details.errors)
        ? (details.errors as EngageError['errors'])
        : [{ attribute: 'base', type: 'invalid', message: error.message }];
    }
    return { status: error.status, body };
  },
};
