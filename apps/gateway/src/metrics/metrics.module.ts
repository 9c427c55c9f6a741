import { DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { tracingEnabled } from '@wfp/platform';
import { MetricsController } from './metrics.controller';
import { HttpSpanRouteInterceptor } from './http-span-route.interceptor';

/**
 * The gateway's Prometheus endpoint (the request metrics come from `httpMetricsMiddleware`), and,
 * with tracing on, the route template on each request's trace span. Without tracing the
 * interceptor is not registered: any global interceptor puts every request through Nest's
 * interceptor chain (an rxjs pipeline and async-resource bindings), for nothing to record.
 */
@Module({})
export class MetricsModule {
  /** `tracing`: whether OpenTelemetry was started (main.ts starts it before building the app). */
  static forRoot(tracing: boolean = tracingEnabled()): DynamicModule {
    return {
      module: MetricsModule,
      controllers: [MetricsController],
      providers: tracing ? [{ provide: APP_INTERCEPTOR, useClass: HttpSpanRouteInterceptor }] : [],
    };
  }
}
