import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { COMMAND_CATALOG, EVENT_CATALOG } from '@wfp/contracts';
import { createTestNamespace, testNatsUrl } from '@wfp/testing';
import { loadGatewayConfig } from '../config';
import { createGatewayApp } from '../http-app';
import { API_DOCUMENT_NAMES, apiDocument } from './api-documents';
import { asyncApiDocument } from './asyncapi';
import { renderedApiDocs, repositoryRoot } from './rendered-docs';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('API documents', () => {
  it('are checked in up to date (else run `npm run docs:api`)', () => {
    const root = repositoryRoot();
    const stale = renderedApiDocs().filter(({ file, content }) => {
      try {
        return readFileSync(join(root, file), 'utf8') !== content;
      } catch {
        return true;
      }
    });
    expect(stale.map((s) => s.file)).toEqual([]);
  });

  it.each(API_DOCUMENT_NAMES)('%s is an OpenAPI 3.1 document whose every response schema compiles', (name) => {
    const document = apiDocument(name) as Json;
    expect(document.openapi).toBe('3.1.0');
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    ajv.addSchema(document, 'doc');
    let operations = 0;
    for (const [path, item] of Object.entries(document.paths as Json)) {
      for (const [method, operation] of Object.entries(item as Json)) {
        operations++;
        expect(operation.operationId).toEqual(expect.any(String));
        for (const [status, response] of Object.entries(operation.responses as Json)) {
          if (!(response as Json).content) continue;
          const pointer = ['paths', path, method, 'responses', status, 'content', 'application/json', 'schema']
            .map((t) => t.replace(/~/g, '~0').replace(/\//g, '~1'))
            .join('/');
          expect(() => ajv.compile({ $ref: `doc#/${pointer}` })).not.toThrow();
        }
      }
    }
    expect(operations).toBeGreaterThan(0);
  });

  it('the AsyncAPI document has a channel per event type and per command, each with its schemas', () => {
    const document = asyncApiDocument() as Json;
    expect(document.asyncapi).toBe('3.0.0');
    const addresses = Object.values(document.channels as Json).map((c) => (c as Json).address as string);
    for (const event of EVENT_CATALOG) {
      expect(addresses).toContain(`{namespace}.events.${event.app ?? '{app}'}.${event.version ?? '{version}'}.${event.type}`);
    }
    for (const command of Object.keys(COMMAND_CATALOG)) expect(addresses).toContain(`{namespace}.${command}`);
    const { messages, schemas } = document.components as Json;
    const opened = messages.EventInterventionsV1InterventionOpened.payload.allOf;
    expect(opened[0]).toEqual({ $ref: '#/components/schemas/EventEnvelope' });
    expect(opened[1].properties.type).toEqual({ const: 'intervention.opened' });
    const payload = schemas[(opened[1].properties.payload.$ref as string).split('/').pop()!];
    expect(payload.required).toContain('acting_user_id');
  });
});

describe('served API documentation (public, no auth)', () => {
  let app: NestExpressApplication;
  let url: string;

  beforeAll(async () => {
    const config = loadGatewayConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      NATS_URL: testNatsUrl(),
      NATS_NAMESPACE: createTestNamespace('docs'),
      LOG_LEVEL: 'silent',
      FORMANCE_AUTH_CLIENTS: 'docs-client:docs-secret',
    });
    app = await createGatewayApp(config);
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('GET /docs is Swagger UI from the npm package, listing every API', async () => {
    const page = await fetch(`${url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('/docs/swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\/(cdn|unpkg|cdnjs)/);
    const init = await (await fetch(`${url}/docs/swagger-initializer.js`)).text();
    for (const name of API_DOCUMENT_NAMES) expect(init).toContain(`/openapi/${name}.json`);
    const bundle = await fetch(`${url}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    expect((await fetch(`${url}/docs/package.json`)).status).toBe(404);
    expect((await fetch(`${url}/docs/..%2F..%2Fpackage.json`)).status).toBe(404);
  });

  it.each(API_DOCUMENT_NAMES)('GET /openapi/%s.json serves the document', async (name) => {
    const res = await fetch(`${url}/openapi/${name}.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(apiDocument(name));
  });

  it('GET /asyncapi.json serves the bus document; unknown documents are 404', async () => {
    const res = await fetch(`${url}/asyncapi.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(asyncApiDocument());
    const missing = await fetch(`${url}/openapi/nope.json`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'NOT_FOUND', status: 404 });
  });
});
