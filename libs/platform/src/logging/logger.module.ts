import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { REQUEST_ID_HEADER } from '@wfp/contracts';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id of an HTTP request: the caller's `x-request-id` when sane, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(given) ? given[0] : given;
  return value && REQUEST_ID_PATTERN.test(value) ? value : randomUUID();
}

/** A request URL with the value of every `access_token` query parameter replaced (tokens are never logged). */
export function redactAccessToken(url: string): string {
  return url.replace(/([?&]access_token=)[^&#]*/gi, '$1[Redacted]');
}

/** Structured JSON logs (pino) for every service, each line tagged with the service name. */
export function platformLoggerModule(service: string, level: string): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      level,
      base: { service },
      messageKey: 'msg',
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', 'req.query.access_token'],
      serializers: {
        req: (req: { url?: string }) => (typeof req.url === 'string' ? { ...req, url: redactAccessToken(req.url) } : req),
      },
      genReqId: (req, res) => {
        const id = requestIdOf(req);
        res.setHeader(REQUEST_ID_HEADER, id);
        return id;
      },
      customProps: (req) => ({ requestId: (req as IncomingMessage & { id?: string }).id }),
      quietReqLogger: true,
      autoLogging: { ignore: (req) => req.url === '/healthz' },
    },
  });
}
