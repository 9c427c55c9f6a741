import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { MetricsController } from './metrics.controller';
import { HttpSpanRouteInterceptor } from './http-span-route.interceptor';

/**
 * The gateway's Prometheus endpoint (the request metrics come from `httpMetricsMiddleware`), and
 * the route template on each request's trace span.
 */
@Module({ controllers: [MetricsController], providers: [{ provide: APP_INTERCEPTOR, useClass: HttpSpanRouteInterceptor }] })
export class MetricsModule {}
