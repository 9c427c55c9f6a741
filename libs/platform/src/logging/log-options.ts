import pino from 'pino';
import pretty from 'pino-pretty';
import { redactSecrets, redactText } from './redact';
import { traceLogFields } from '../observability/tracing';

/**
 * How every service writes logs: one pretty line per entry when stdout is a terminal
 * (`pino-pretty`), one JSON object per line otherwise (`LOG_FORMAT=pretty|json` overrides).
 * Levels are always labels (`"info"`, `"fatal"`), never numbers. Credentials never reach the
 * output: pino's `redact` paths plus a deep pass over every logged object (see `redact.ts`).
 */
export type LogFormat = 'pretty' | 'json';

export function logFormat(env: NodeJS.ProcessEnv = process.env, stdoutIsTty = Boolean(process.stdout.isTTY)): LogFormat {
  const chosen = env.LOG_FORMAT?.toLowerCase();
  if (chosen === 'pretty' || chosen === 'json') return chosen;
  return stdoutIsTty ? 'pretty' : 'json';
}

/** Known places of credentials, removed by pino itself before the deep pass. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.query.access_token',
  'req.body.access_token',
  'req.body.client_secret',
  'req.body.password',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.access_token',
  '*.client_secret',
  '*.password',
];

/** The pino options every logger of the platform shares (service name, level labels, redaction). */
export function basePinoOptions(service: string, level: string, format: LogFormat = logFormat()): pino.LoggerOptions {
  // pino-http hands an already serialized error to a custom serializer; pino a raw one.
  const errSerializer = (error: unknown) =>
    redactSecrets({ ...(error instanceof Error ? pino.stdSerializers.err(error) : (error as Record<string, unknown>)) });
  return {
    level,
    base: { service },
    messageKey: 'msg',
    // The trace id and span id of the active span on every line (only with tracing on).
    mixin: traceLogFields,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: { err: errSerializer, error: errSerializer },
    // pino-pretty prints labels itself and expects numeric levels; JSON lines carry the label.
    formatters: {
      ...(format === 'json' ? { level: (label: string) => ({ level: label }) } : {}),
      log: (object: Record<string, unknown>) => redactSecrets(object),
    },
    hooks: {
      logMethod(args, method) {
        // Redact secrets in the message strings too (`%s` arguments included).
        const cleaned = args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as typeof args;
        return method.apply(this, cleaned);
      },
    },
  };
}

/** Where log lines go: a one-line `pino-pretty` stream for a terminal, else stdout (JSON). */
export function logDestination(format: LogFormat = logFormat()): pino.DestinationStream {
  if (format === 'pretty') {
    return pretty({
      singleLine: true,
      colorize: true,
      translateTime: 'SYS:HH:MM:ss.l',
      messageFormat: '{service}: {msg}',
      // Shown in the message already (request lines: `GET /route 200 12ms`).
      ignore: 'pid,hostname,service,method,route,status,durationMs',
      sync: true,
    });
  }
  return pino.destination({ dest: 1, sync: true });
}
