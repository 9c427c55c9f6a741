import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { NatsContext } from '@nestjs/microservices';
import { PinoLogger } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';
import { catchError, Observable, of, tap, throwError } from 'rxjs';
import { randomUUID } from 'node:crypto';
import { context as otelContext, SpanStatusCode, trace } from '@opentelemetry/api';
import { fail, REQUEST_ID_HEADER } from '@wfp/contracts';
import { isDatabaseUnavailable } from '../database/database-unavailable';
import { metrics, secondsSince } from '../observability/metrics';
import { extractTraceHeaders, SpanKind, tracer, tracingEnabled } from '../observability/tracing';

/**
 * For every NATS command: takes the request id from the message headers (set by the gateway),
 * binds a child logger carrying it (and the trace id) for everything the handler logs, logs the
 * command's outcome, counts it (`wfp_nats_command_server_*`), and — with tracing on — runs the
 * handler in a SERVER span whose parent is the caller's `traceparent` header.
 * A handler that fails because the database is unreachable answers `UNAVAILABLE` (retryable).
 */
@Injectable()
export class CommandContextInterceptor implements NestInterceptor {
  constructor(private readonly logger: PinoLogger) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const natsContext = context.switchToRpc().getContext<NatsContext>();
    const headers = natsContext.getHeaders?.();
    const requestId = headers?.get(REQUEST_ID_HEADER) || randomUUID();
    const subject = natsContext.getSubject();
    // `<namespace>.<service>.v1.<command>` (namespaces have no dots): the command, a bounded label.
    const command = subject.slice(subject.indexOf('.') + 1);
    const span = tracingEnabled()
      ? tracer().startSpan(
          `nats handle ${command}`,
          { kind: SpanKind.SERVER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': command, 'wfp.request_id': requestId } },
          extractTraceHeaders(headers),
        )
      : undefined;
    const childLogger = this.logger.logger.child({ requestId, subject, ...(span ? { traceId: span.spanContext().traceId } : {}) });
    const started = process.hrtime.bigint();
    let finished = false;
    const done = (outcome: string, error?: unknown) => {
      if (finished) return;
      finished = true;
      metrics.commandServerDuration.observe({ subject: command, outcome }, secondsSince(started));
      if (outcome !== 'ok') metrics.commandServerErrors.inc({ subject: command, outcome });
      if (span) {
        span.setAttribute('wfp.outcome', outcome);
        if (error) span.recordException(error as Error);
        if (outcome === 'exception' || outcome === 'unavailable') span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
    };
    const handle = () =>
      storage.run(new Store(childLogger), () =>
        next.handle().pipe(
          // Database unreachable (restarting, failing over): a retryable UNAVAILABLE reply (503), not an untyped error (500).
          catchError((error: unknown) => {
            if (isDatabaseUnavailable(error)) {
              childLogger.warn({ err: error }, 'command failed: database unavailable');
              done('unavailable', error);
              return of(fail('UNAVAILABLE', 'the service database is unavailable; retry later'));
            }
            childLogger.error({ err: error }, 'command failed');
            done('exception', error);
            return throwError(() => error);
          }),
          tap({
            next: (reply) => {
              const outcome = (reply as { ok?: boolean })?.ok === false ? 'error_reply' : 'ok';
              childLogger.debug({ outcome, durationMs: Number(process.hrtime.bigint() - started) / 1e6 }, 'command handled');
              done(outcome);
            },
          }),
        ),
      );
    // The handler runs (and its SQL is traced) inside the command's span.
    return span ? otelContext.with(trace.setSpan(otelContext.active(), span), handle) : handle();
  }
}
