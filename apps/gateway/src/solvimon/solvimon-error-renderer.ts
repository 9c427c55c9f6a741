import type { Request } from 'express';
import type { ApiErrorRenderer } from '../http/error-renderers';

/** Solvimon API paths: `/v{version}/workflow-triggers...`. */
export const SOLVIMON_PATH = /^\/v[^/]+\/workflow-triggers(\/|$)/;

/** Solvimon `ApiError` body: `{type, code, message, field?, resource_id?, resource_type?}`. */
export const solvimonErrorRenderer: ApiErrorRenderer = {
  matches: (req: Request) => SOLVIMON_PATH.test(req.path),
  render: (error) => ({
    status: error.status,
    body: { type: error.status >= 500 ? 'API_ERROR' : 'INVALID_REQUEST', code: error.code, message: error.message },
  }),
};
