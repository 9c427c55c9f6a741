import { HttpException } from '@nestjs/common';
import { InvalidReplyError, ServiceUnavailableError } from '@wfp/platform';
import { ApiError } from './api-error';

/** Body-parser errors carry a `type` and a `status`. */
interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
  limit?: number;
}

/** Turns anything thrown while serving a request into an ApiError (unknown → 500 INTERNAL). */
export function toApiError(error: unknown): { apiError: ApiError; unexpected: boolean } {
  if (error instanceof ApiError) return { apiError: error, unexpected: false };
  if (error instanceof ServiceUnavailableError) {
    const service = error.command.split('.')[0];
    return {
      apiError: new ApiError(503, 'SERVICE_UNAVAILABLE', `${service} service unavailable: ${error.message}`),
      unexpected: false,
    };
  }
  if (error instanceof InvalidReplyError) {
    return { apiError: new ApiError(500, 'INTERNAL', error.message), unexpected: true };
  }
  const parser = error as BodyParserError;
  switch (parser?.type) {
    case 'entity.parse.failed':
      return { apiError: new ApiError(400, 'VALIDATION', `malformed request body: ${parser.message}`), unexpected: false };
    case 'entity.too.large':
      return {
        apiError: new ApiError(413, 'VALIDATION', `request body larger than the limit of ${parser.limit} bytes`),
        unexpected: false,
      };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { apiError: new ApiError(415, 'VALIDATION', parser.message ?? 'unsupported encoding'), unexpected: false };
    case 'request.aborted':
      return { apiError: new ApiError(400, 'VALIDATION', 'request aborted'), unexpected: false };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = status === 404 ? 'NOT_FOUND' : status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'FORBIDDEN' : status >= 500 ? 'INTERNAL' : 'VALIDATION';
    return { apiError: new ApiError(status, code, error.message), unexpected: status >= 500 };
  }
  return { apiError: new ApiError(500, 'INTERNAL', 'internal error'), unexpected: true };
}
