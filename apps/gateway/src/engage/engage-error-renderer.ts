import type { Request } from 'express';
import type { ApiErrorRenderer } from '../http/error-renderers';

export const ENGAGE_PREFIX = '/1.0';

/** Engage Digital error body: `{error, message, status}`. */
export const engageErrorRenderer: ApiErrorRenderer = {
  matches: (req: Request) => req.path === ENGAGE_PREFIX || req.path.startsWith(`${ENGAGE_PREFIX}/`),
  render: (error) => ({
    status: error.status,
    body: { error: error.code.toLowerCase(), message: error.message, status: error.status },
  }),
};
