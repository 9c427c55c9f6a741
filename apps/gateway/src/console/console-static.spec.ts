import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { redactUrl } from '@wfp/platform';
import { consoleStaticHandler, faviconHandler, resolveConsoleDir } from './console-static';

describe('console static files', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'console-static-'));
    mkdirSync(join(root, 'dist', 'apps', 'console', 'assets'), { recursive: true });
    writeFileSync(join(root, 'dist', 'apps', 'console', 'index.html'), '<div id="root"></div>');
    writeFileSync(join(root, 'dist', 'apps', 'console', 'assets', 'app-1.js'), 'console.log(1)');
    writeFileSync(join(root, 'dist', 'apps', 'console', 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
    mkdirSync(join(root, 'dist', 'apps', 'gateway', 'src', 'console'), { recursive: true });
    mkdirSync(join(root, 'apps', 'gateway', 'src', 'console'), { recursive: true });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds dist/apps/console from the built gateway or from its sources; CONSOLE_DIR wins', () => {
    const built = join(root, 'dist', 'apps', 'console');
    expect(resolveConsoleDir(undefined, join(root, 'dist', 'apps', 'gateway', 'src', 'console'))).toBe(built);
    expect(resolveConsoleDir(undefined, join(root, 'apps', 'gateway', 'src', 'console'))).toBe(built);
    expect(resolveConsoleDir('/srv/console', root)).toBe('/srv/console');
    expect(resolveConsoleDir(undefined, tmpdir())).toBeUndefined();
  });

  async function serve(dir: string | undefined, run: (url: string) => Promise<void>): Promise<void> {
    const app = express();
    app.use('/console', consoleStaticHandler(dir));
    app.use('/favicon.ico', faviconHandler(dir));
    app.use((_req, res) => void res.status(418).send('next'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('serves assets, the page for client routes, 404 for a missing asset, and leaves /console/api alone', async () => {
    await serve(join(root, 'dist', 'apps', 'console'), async (url) => {
      const asset = await fetch(`${url}/console/assets/app-1.js`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toContain('immutable');
      for (const path of ['/console', '/console/', '/console/instances/abc?x=1']) {
        const page = await fetch(url + path);
        expect(page.status).toBe(200);
        expect(await page.text()).toBe('<div id="root"></div>');
        expect(page.headers.get('cache-control')).toBe('no-cache');
      }
      expect((await fetch(`${url}/console/assets/gone.js`)).status).toBe(404);
      expect((await fetch(`${url}/console/api/events/stream`)).status).toBe(418);
      expect((await fetch(`${url}/console/x`, { method: 'POST' })).status).toBe(418);
    });
  });

  it('serves the console icon at /favicon.ico (no 404 on any page), 404 when the console is not built', async () => {
    await serve(join(root, 'dist', 'apps', 'console'), async (url) => {
      const icon = await fetch(`${url}/favicon.ico`);
      expect(icon.status).toBe(200);
      expect(icon.headers.get('content-type')).toBe('image/x-icon');
      expect(Buffer.from(await icon.arrayBuffer())).toEqual(Buffer.from([0, 0, 1, 0]));
    });
    await serve(undefined, async (url) => expect((await fetch(`${url}/favicon.ico`)).status).toBe(404));
  });

  it('says how to build the console when it is missing', async () => {
    await serve(undefined, async (url) => {
      const res = await fetch(`${url}/console/workflows`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('npm run build');
    });
  });

  it('never logs an access_token query parameter', () => {
    expect(redactUrl('/console/api/events/stream?type=a&access_token=eyJhbGc.x.y&replay=5')).toBe(
      '/console/api/events/stream?type=a&access_token=[REDACTED]&replay=5',
    );
    expect(redactUrl('/1.0/interventions?ACCESS_TOKEN=abc')).toBe('/1.0/interventions?ACCESS_TOKEN=[REDACTED]');
  });
});
