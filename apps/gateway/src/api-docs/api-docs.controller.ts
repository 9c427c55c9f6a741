import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { dirname } from 'node:path';
import { ApiError } from '../http/api-error';
import { API_DOCUMENT_NAMES, apiDocument } from './api-documents';
import { asyncApiDocument } from './asyncapi';

/** The Swagger UI files `/docs` loads, served from the `swagger-ui-dist` package (no CDN). */
const SWAGGER_UI_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));
const SWAGGER_UI_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-16x16.png': 'image/png',
  'favicon-32x32.png': 'image/png',
};

const TITLES: Record<string, string> = {
  'formance-v1': 'Formance Orchestration v1',
  'formance-v2': 'Formance Orchestration v2',
  engage: 'Engage Digital Interventions',
  solvimon: 'Solvimon Workflow Triggers',
  events: 'Events (POST /api/events)',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Workflow platform API reference</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="stylesheet" href="/docs/index.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
  <style>.wfp-bar{font-family:sans-serif;padding:8px 16px;background:#1b1b1b;color:#eee}.wfp-bar a{color:#9cf}</style>
</head>
<body>
  <div class="wfp-bar">Workflow platform — OpenAPI documents at <code>/openapi/&lt;name&gt;.json</code>; the bus (NATS subjects, events, commands): <a href="/asyncapi.json">/asyncapi.json</a> (AsyncAPI 3.0)</div>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/swagger-initializer.js"></script>
</body>
</html>
`;

/**
 * Public API documentation (no auth): `GET /docs` (Swagger UI listing every API),
 * `GET /openapi/<name>.json` (OpenAPI 3.1), `GET /asyncapi.json` (AsyncAPI 3.0 of the bus).
 */
@Controller()
export class ApiDocsController {
  @Get('docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }

  @Get('docs/swagger-initializer.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  initializer(): string {
    const urls = API_DOCUMENT_NAMES.map((name) => ({ url: `/openapi/${name}.json`, name: TITLES[name] ?? name }));
    return `window.onload = function () {
  window.ui = SwaggerUIBundle({
    urls: ${JSON.stringify(urls)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout'
  });
};
`;
  }

  @Get('docs/:file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    const type = Object.prototype.hasOwnProperty.call(SWAGGER_UI_FILES, file) ? SWAGGER_UI_FILES[file] : undefined;
    if (!type) throw new ApiError(404, 'NOT_FOUND', `no such documentation file: ${file.slice(0, 100)}`);
    res.setHeader('Content-Type', type);
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.sendFile(file, { root: SWAGGER_UI_DIR });
  }

  @Get('openapi/:file')
  openApi(@Param('file') file: string): unknown {
    const document = file.endsWith('.json') ? apiDocument(file.slice(0, -'.json'.length)) : undefined;
    if (!document) {
      throw new ApiError(404, 'NOT_FOUND', `no such API document; one of ${API_DOCUMENT_NAMES.map((n) => `/openapi/${n}.json`).join(', ')}`);
    }
    return document;
  }

  @Get('asyncapi.json')
  asyncApi(): unknown {
    return asyncApiDocument();
  }
}
