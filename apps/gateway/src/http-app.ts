import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, text, urlencoded } from 'express';
import { Logger, PinoLogger } from 'nestjs-pino';
import { GatewayAppModule } from './app.module';
import { GatewayConfig } from './config';
import { expressApiErrorHandler } from './http/api-exception.filter';
import { API_ERROR_RENDERERS, ApiErrorRenderer } from './http/error-renderers';
import { CONSOLE_PATH, consoleStaticHandler, resolveConsoleDir } from './console/console-static';

/** YAML bodies (Formance accepts workflow configs as `text/vnd.yaml`). */
export const YAML_CONTENT_TYPES = ['text/vnd.yaml', 'application/yaml', 'application/x-yaml', 'text/yaml'];

/**
 * Builds the gateway's HTTP application: body parsers with a size limit (their errors rendered in
 * each API's format), Rails-style nested query strings, JSON logs with request ids.
 */
export async function createGatewayApp(config: GatewayConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(GatewayAppModule.forRoot(config), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.set('query parser', 'extended');
  app.set('x-powered-by', false);
  const limit = config.BODY_LIMIT_BYTES;
  app.use(json({ limit, type: ['application/json', 'application/*+json'] }));
  app.use(urlencoded({ limit, extended: true, parameterLimit: 1000 }));
  app.use(text({ limit, type: YAML_CONTENT_TYPES }));
  // The console's static files (its /console/api/* routes are Nest controllers).
  app.use(CONSOLE_PATH, consoleStaticHandler(resolveConsoleDir(config.CONSOLE_DIR)));
  app.enableShutdownHooks();
  await app.init();
  // After the routes: catches errors raised by the body parsers above.
  app.use(expressApiErrorHandler(app.get<ApiErrorRenderer[]>(API_ERROR_RENDERERS), await app.resolve(PinoLogger)));
  return app;
}
