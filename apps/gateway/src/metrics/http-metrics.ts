import type { NextFunction, Request, Response } from 'express';
import { metrics, secondsSince } from '@wfp/platform';

/**
 * Express middleware counting every HTTP request by method, route template (`/api/orchestration/
 * v2/workflows/:flowId`, never the raw path: bounded cardinality) and status, with its duration.
 * A request no route matched is `unmatched` (or its mount path, e.g. `/console` static files).
 */
export function httpMetricsMiddleware() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = routeTemplate(req);
      if (route === '/metrics') return; // scrapes are not traffic
      const labels = { method: req.method, route, status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, secondsSince(started));
    });
    next();
  };
}

function routeTemplate(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return `${req.baseUrl ?? ''}${path}`;
  return req.baseUrl ? req.baseUrl : 'unmatched';
}
