import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';

/** The gateway's Prometheus endpoint (the request metrics come from `httpMetricsMiddleware`). */
@Module({ controllers: [MetricsController] })
export class MetricsModule {}
