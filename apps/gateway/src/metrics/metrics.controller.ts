import { Controller, Get, Header } from '@nestjs/common';
import { metricsRegistry } from '@wfp/platform';

/**
 * `GET /metrics`: the gateway's Prometheus metrics on its main port. Public: declared outside the
 * Formance-protected prefixes (/api/orchestration, /api/events) and without `@FormanceAuth()`, and
 * the Engage / Solvimon credentials apply to their own controllers, so scrapes need no token
 * (the metrics e2e test scrapes it with auth on).
 */
@Controller()
export class MetricsController {
  private readonly registry = metricsRegistry('gateway');

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
