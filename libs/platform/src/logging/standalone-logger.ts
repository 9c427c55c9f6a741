import pino from 'pino';
import { traceLogFields } from '../observability/tracing';

/** A pino logger for code that runs before (or outside) a Nest application: start-up, scripts. */
export function standaloneLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): pino.Logger {
  return pino({ level, base: { service }, messageKey: 'msg', mixin: traceLogFields });
}
