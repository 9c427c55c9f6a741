import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule } from '@nestjs/common';
import type pino from 'pino';
import { LoggerModule } from 'nestjs-pino';
import { REQUEST_ID_HEADER } from '@wfp/contracts';
import { basePinoOptions, logDestination, logFormat } from './log-options';
import { redactUrl } from './redact';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id of an HTTP request: the caller's `x-request-id` when sane, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(given) ? given[0] : given;
  return value && REQUEST_ID_PATTERN.test(value) ? value : randomUUID();
}

type RoutedRequest = IncomingMessage & { id?: string; baseUrl?: string; route?: { path?: unknown }; originalUrl?: string };

/** The route template that served a request (`/api/orchestration/workflows/:flowId`), if one did. */
export function routeOf(req: RoutedRequest): string | undefined {
  const path = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` : undefined;
}

/** One request line (the request id is bound): method, route, redacted URL, status, duration — no headers, no body. */
export function requestLine(req: RoutedRequest, res: ServerResponse, durationMs: number): Record<string, unknown> {
  return {
    method: req.method,
    route: routeOf(req),
    url: redactUrl(req.originalUrl ?? req.url ?? ''),
    status: res.statusCode,
    durationMs,
  };
}

function requestMessage(req: RoutedRequest, res: ServerResponse, durationMs: number): string {
  return `${req.method} ${routeOf(req) ?? redactUrl(req.originalUrl ?? req.url ?? '').split('?')[0]} ${res.statusCode} ${durationMs}ms`;
}

/**
 * Logs for every service (pino): pretty lines on a terminal, JSON otherwise, each tagged with
 * the service name; one short line per HTTP request (`requestLine`), and every line logged while
 * serving a request carries its `requestId`. `destination` replaces stdout (tests capture it).
 */
export function platformLoggerModule(service: string, level: string, destination?: pino.DestinationStream): DynamicModule {
  const format = destination ? 'json' : logFormat();
  return LoggerModule.forRoot({
    pinoHttp: [
      {
        ...basePinoOptions(service, level, format),
        genReqId: (req, res) => {
          const id = requestIdOf(req);
          res.setHeader(REQUEST_ID_HEADER, id);
          return id;
        },
        customAttributeKeys: { reqId: 'requestId' },
        quietReqLogger: true,
        quietResLogger: true,
        customSuccessObject: (req, res, value) => requestLine(req as RoutedRequest, res, Number(value.responseTime)),
        // No stack on a request line: an unexpected error is logged (with its stack) where it is caught.
        customErrorObject: (req, res, _error, value) => requestLine(req as RoutedRequest, res, Number(value.responseTime)),
        customSuccessMessage: (req, res, responseTime) => requestMessage(req as RoutedRequest, res, responseTime),
        customErrorMessage: (req, res, _error, responseTime?: number) => requestMessage(req as RoutedRequest, res, Number(responseTime ?? 0)),
        customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
        // Probes and Prometheus scrapes are not request lines.
        autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
      },
      destination ?? logDestination(format),
    ],
  });
}
