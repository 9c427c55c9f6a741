import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { ApiError } from '../http/api-error';
import type { ApiErrorRenderer } from '../http/error-renderers';
import type { SolvimonApiError } from './solvimon-wire';

/** Solvimon API paths: `/v{version}/workflow-triggers...`. */
export const SOLVIMON_PATH = /^\/v[^/]*\/workflow-triggers(\/|$)/;

export const REQUEST_ID_RESPONSE_HEADER = 'X-REQUEST-ID';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `reqr_` + 20 base62 characters. */
export function newSolvimonRequestId(): string {
  let out = 'reqr_';
  for (const byte of randomBytes(20)) out += BASE62[byte % 62];
  return out;
}

const SOLVIMON_REQUEST_ID = Symbol('solvimonRequestId');

/**
 * The request's X-REQUEST-ID (`reqr_…`), chosen once per request (by the middleware or here) and
 * set on the response, replacing the platform's generic request id header.
 */
export function solvimonRequestId(req: Request): string {
  const holder = req as Request & { [SOLVIMON_REQUEST_ID]?: string };
  holder[SOLVIMON_REQUEST_ID] ??= newSolvimonRequestId();
  if (!req.res?.headersSent) req.res?.setHeader(REQUEST_ID_RESPONSE_HEADER, holder[SOLVIMON_REQUEST_ID]);
  return holder[SOLVIMON_REQUEST_ID];
}

/** The `ApiErrorCode` values of the vendor spec. */
export const SOLVIMON_ERROR_CODES = new Set([
  'RESOURCE_NOT_FOUND', 'RESOURCES_NOT_FOUND', 'UNABLE_TO_PROCESS_INSTRUCTIONS', 'BAD_REQUEST', 'UNSUPPORTED_MEDIA_TYPE',
  'RESOURCE_ALREADY_EXISTS', 'CUSTOM_FIELD_VALUE_ALREADY_EXISTS', 'COULD_NOT_CREATE_RESOURCE', 'COULD_NOT_UPDATE_RESOURCE',
  'COULD_NOT_DELETE_RESOURCE', 'MISSING_VERSION', 'UNSUPPORTED_VERSION', 'UNAUTHORISED', 'CUSTOMER_NOT_FOUND',
  'PLATFORM_NOT_FOUND', 'PRICING_PLAN_NOT_FOUND', 'PRODUCT_NOT_FOUND', 'PRODUCT_ITEM_NOT_FOUND', 'PRICING_NOT_FOUND',
  'PRICING_ITEM_NOT_FOUND', 'USER_NOT_FOUND', 'METER_NOT_FOUND', 'METER_VALUE_NOT_FOUND', 'METER_PROPERTY_NOT_FOUND',
  'PRICING_ITEM_SUMMARIES_NOT_FOUND', 'MISSING_ID', 'INVALID_ID', 'MISSING_REFERENCE', 'MISSING_FIELD', 'INVALID_FIELD',
  'INVALID_OPERATION', 'INTERNAL_ERROR', 'USER_NOT_ALLOWED', 'IDEMPOTENCY_CHECK_FAILED', 'INVALID_REQUEST',
]);

/** The Solvimon code of an error without an explicit one (`details.solvimonCode`). */
function defaultCode(error: ApiError): string {
  if (error.status >= 500) return 'INTERNAL_ERROR';
  switch (error.status) {
    case 400:
      // Every 400 of the Solvimon controller names its code; one without comes from parsing the
      // request before it reached the controller (unparseable JSON body, aborted request).
      return 'UNABLE_TO_PROCESS_INSTRUCTIONS';
    case 401:
      return 'UNAUTHORISED';
    case 403:
      return 'USER_NOT_ALLOWED';
    case 404:
      return 'RESOURCE_NOT_FOUND';
    case 409:
    case 422:
      return 'INVALID_OPERATION';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    default:
      return 'BAD_REQUEST';
  }
}

/**
 * Solvimon `ApiError` body `{type, code, message, field?, resource_id?, resource_type?}`: `type`
 * `API_ERROR` for 5xx, else `INVALID_REQUEST`; `code`, `field`, `resource_id` and `resource_type`
 * from the error's details (`solvimonCode`, `field`, …) when given. Every response carries
 * `X-REQUEST-ID: reqr_…`.
 */
export const solvimonErrorRenderer: ApiErrorRenderer = {
  matches: (req: Request) => SOLVIMON_PATH.test(req.path),
  render: (error, req) => {
    const details = error.details ?? {};
    const explicit = typeof details.solvimonCode === 'string' && SOLVIMON_ERROR_CODES.has(details.solvimonCode) ? details.solvimonCode : undefined;
    const message = error.status >= 500 && error.code === 'INTERNAL' ? 'internal error' : error.message;
    const body: SolvimonApiError = {
      type: error.status >= 500 ? 'API_ERROR' : 'INVALID_REQUEST',
      code: explicit ?? defaultCode(error),
      message,
    };
    if (typeof details.field === 'string') body.field = details.field;
    if (typeof details.resource_id === 'string') body.resource_id = details.resource_id;
    if (typeof details.resource_type === 'string') body.resource_type = details.resource_type;
    return { status: error.status, body, headers: { [REQUEST_ID_RESPONSE_HEADER]: solvimonRequestId(req) } };
  },
};
