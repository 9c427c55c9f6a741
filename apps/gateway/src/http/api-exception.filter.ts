import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { API_ERROR_RENDERERS, ApiErrorRenderer, pickRenderer } from './error-renderers';
import { toApiError } from './to-api-error';

/** Renders every error in the format of the API the request was for. */
export function sendApiError(
  renderers: ApiErrorRenderer[],
  logger: { error: (obj: object, msg: string) => void },
  error: unknown,
  req: Request,
  res: Response,
): void {
  const { apiError, unexpected } = toApiError(error);
  if (unexpected) logger.error({ err: error, path: req.path }, 'unexpected error while serving a request');
  const rendered = pickRenderer(renderers, req).render(apiError, req);
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(rendered.headers ?? {})) res.setHeader(name, value);
  if (rendered.body === undefined) res.status(rendered.status).end();
  else res.status(rendered.status).json(rendered.body);
}

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(
    @Inject(API_ERROR_RENDERERS) private readonly renderers: ApiErrorRenderer[],
    private readonly logger: PinoLogger,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendApiError(this.renderers, this.logger, error, http.getRequest<Request>(), http.getResponse<Response>());
  }
}

/** Express error middleware for errors raised before Nest routing (body parsing, size limits). */
export function expressApiErrorHandler(renderers: ApiErrorRenderer[], logger: PinoLogger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) =>
    sendApiError(renderers, logger, error, req, res);
}
