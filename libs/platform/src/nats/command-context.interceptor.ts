import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { NatsContext } from '@nestjs/microservices';
import { PinoLogger } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';
import { catchError, Observable, of, tap, throwError } from 'rxjs';
import { randomUUID } from 'node:crypto';
import { fail, REQUEST_ID_HEADER } from '@wfp/contracts';
import { isDatabaseUnavailable } from '../database/database-unavailable';

/**
 * For every NATS command: takes the request id from the message headers (set by the gateway),
 * binds a child logger carrying it for everything the handler logs, and logs the command's outcome.
 * A handler that fails because the database is unreachable answers `UNAVAILABLE` (retryable).
 */
@Injectable()
export class CommandContextInterceptor implements NestInterceptor {
  constructor(private readonly logger: PinoLogger) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const natsContext = context.switchToRpc().getContext<NatsContext>();
    const requestId = natsContext.getHeaders?.()?.get(REQUEST_ID_HEADER) || randomUUID();
    const subject = natsContext.getSubject();
    const childLogger = this.logger.logger.child({ requestId, subject });
    const started = process.hrtime.bigint();
    const logDone = (outcome: string) =>
      childLogger.debug({ outcome, durationMs: Number(process.hrtime.bigint() - started) / 1e6 }, 'command handled');
    return storage.run(new Store(childLogger), () =>
      next.handle().pipe(
        tap({
          next: (reply) => logDone((reply as { ok?: boolean })?.ok === false ? 'error-reply' : 'ok'),
        }),
        // Database unreachable (restarting, failing over): a retryable UNAVAILABLE reply (503), not an untyped error (500).
        catchError((error: unknown) => {
          if (isDatabaseUnavailable(error)) {
            childLogger.warn({ err: error }, 'command failed: database unavailable');
            return of(fail('UNAVAILABLE', 'the service database is unavailable; retry later'));
          }
          childLogger.error({ err: error }, 'command failed');
          return throwError(() => error);
        }),
      ),
    );
  }
}
