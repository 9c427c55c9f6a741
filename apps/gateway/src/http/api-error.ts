import type { ErrorCode } from '@wfp/contracts';

/** HTTP status for each reply error code (each API renders the body in its own format). */
export const STATUS_OF_ERROR_CODE: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNPROCESSABLE: 422,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

/**
 * An error to answer an HTTP request with. The exception filter renders it in the format of the
 * API the request was for (Formance, Engage, Solvimon).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'SERVICE_UNAVAILABLE',
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  static fromReply(error: { code: ErrorCode; message: string; details?: Record<string, unknown> }): ApiError {
    return new ApiError(STATUS_OF_ERROR_CODE[error.code], error.code, error.message, error.details);
  }
}
