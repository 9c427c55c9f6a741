import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import { Logger, PinoLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { GatewayAppModule } from './app.module';
import { GatewayConfig } from './config';
import { expressApiErrorHandler } from './http/api-exception.filter';
import { bodyParsers } from './http/body-parsers';
import { API_ERROR_RENDERERS, ApiErrorRenderer } from './http/error-renderers';
import { CONSOLE_PATH, consoleStaticHandler, faviconHandler, resolveConsoleDir } from './console/console-static';
import { textPolicyMiddleware } from './http/text-policy';
import { httpMetricsMiddleware } from './metrics/http-metrics';

/**
 * The Express instance under Nest, with a case-sensitive router: `/API/ORCHESTRATION/WORKFLOWS`
 * matches no route (404) instead of reaching the `/api/orchestration/workflows` handler. Auth is
 * decided by the matched route's own guard (see `@FormanceAuth()`), so whatever spelling the
 * router accepts (trailing slash, encoded id) runs the same check as the canonical path.
 * These settings must be made before the router exists (Express creates it on first use).
 */
export function createExpressInstance(): express.Express {
  const instance = express();
  instance.set('case sensitive routing', true);
  return instance;
}

/**
 * Builds the gateway's HTTP application: body parsers with a size limit (`http/body-parsers.ts`,
 * their errors rendered in each API's format), the text policy (`http/text-policy.ts`) on every
 * request, Rails-style nested query strings, logs with request ids (`logDestination` replaces
 * stdout: tests capture the lines).
 */
export async function createGatewayApp(
  config: GatewayConfig,
  options: { logDestination?: DestinationStream } = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    GatewayAppModule.forRoot(config, options.logDestination),
    new ExpressAdapter(createExpressInstance()),
    { bodyParser: false, bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  app.set('query parser', 'extended');
  app.set('x-powered-by', false);
  // First: every request is counted (route template, status, duration), body-parser errors included.
  app.use(httpMetricsMiddleware());
  for (const parser of bodyParsers(config.BODY_LIMIT_BYTES)) app.use(parser);
  // NUL, invalid UTF-16, nesting depth and string lengths: one policy for every API.
  app.use(textPolicyMiddleware);
  // The console's static files (its /console/api/* routes are Nest controllers).
  const consoleDir = resolveConsoleDir(config.CONSOLE_DIR);
  app.use(CONSOLE_PATH, consoleStaticHandler(consoleDir));
  app.use('/favicon.ico', faviconHandler(consoleDir));
  app.enableShutdownHooks();
  await app.init();
  // After the routes: catches errors raised by the body parsers above.
  app.use(expressApiErrorHandler(app.get<ApiErrorRenderer[]>(API_ERROR_RENDERERS), await app.resolve(PinoLogger)));
  return app;
}
