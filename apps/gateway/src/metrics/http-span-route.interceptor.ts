import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { trace } from '@opentelemetry/api';
import { REQUEST_ID_HEADER } from '@wfp/contracts';
import { tracingEnabled } from '@wfp/platform';

/**
 * With tracing on, names the HTTP server span after the matched route template
 * (`POST /api/orchestration/v2/workflows/:flowId/instances`, the http instrumentation only knows
 * the method) and records the route and the request id on it.
 */
@Injectable()
export class HttpSpanRouteInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || !tracingEnabled()) return next.handle();
    const span = trace.getActiveSpan();
    if (span) {
      const req = context.switchToHttp().getRequest<Request>();
      const template = (req.route as { path?: unknown } | undefined)?.path;
      if (typeof template === 'string') {
        const route = `${req.baseUrl ?? ''}${template}`;
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      const requestId = req.res?.getHeader(REQUEST_ID_HEADER);
      if (typeof requestId === 'string') span.setAttribute('wfp.request_id', requestId);
    }
    return next.handle();
  }
}
