import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { DestinationStream } from 'pino';
import { platformLoggerModule } from '@wfp/platform';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { CommandsModule } from './commands/commands.module';
import { HealthModule } from './health/health.module';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { API_ERROR_RENDERERS, ApiErrorRenderer } from './http/error-renderers';
import { OrchestrationModule } from './orchestration/orchestration.module';
import { formanceErrorRenderer } from './orchestration/formance-error-renderer';
import { EngageModule } from './engage/engage.module';
import { engageErrorRenderer } from './engage/engage-error-renderer';
import { SolvimonModule } from './solvimon/solvimon.module';
import { solvimonErrorRenderer } from './solvimon/solvimon-error-renderer';
import { EventIngestModule } from './event-ingest/event-ingest.module';
import { ConsoleModule } from './console/console.module';
import { ApiDocsModule } from './api-docs/api-docs.module';
import { MetricsModule } from './metrics/metrics.module';

/** Each public API's error format, first match wins (else a plain JSON error). */
export const apiErrorRenderers: ApiErrorRenderer[] = [formanceErrorRenderer, engageErrorRenderer, solvimonErrorRenderer];

@Module({})
export class GatewayAppModule {
  static forRoot(config: GatewayConfig, logDestination?: DestinationStream): DynamicModule {
    return {
      module: GatewayAppModule,
      global: true,
      imports: [
        platformLoggerModule('gateway', config.LOG_LEVEL, logDestination),
        CommandsModule,
        HealthModule,
        OrchestrationModule,
        EventIngestModule,
        EngageModule,
        SolvimonModule,
        ConsoleModule,
        ApiDocsModule,
        MetricsModule.forRoot(),
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: API_ERROR_RENDERERS, useValue: apiErrorRenderers },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
      exports: [GATEWAY_CONFIG, API_ERROR_RENDERERS],
    };
  }
}
