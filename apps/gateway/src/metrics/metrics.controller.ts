import { Controller, Get, Header } from '@nestjs/common';
import { metricsRegistry } from '@wfp/platform';

/**
 * `GET /metrics`: the gateway's Prometheus metrics on its main port. Public: the Formance auth
 * guard protects only /api/orchestration and /api/events, and the Engage / Solvimon credentials
 * apply to their own controllers, so scrapes need no token.
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
