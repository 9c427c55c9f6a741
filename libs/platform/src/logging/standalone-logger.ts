import pino from 'pino';
import { basePinoOptions, logDestination, logFormat } from './log-options';

/** A pino logger for code that runs before (or outside) a Nest application: start-up, scripts. */
export function standaloneLogger(
  service: string,
  level = process.env.LOG_LEVEL ?? 'info',
  destination?: pino.DestinationStream,
): pino.Logger {
  const format = destination ? 'json' : logFormat();
  return pino(basePinoOptions(service, level, format), destination ?? logDestination(format));
}
