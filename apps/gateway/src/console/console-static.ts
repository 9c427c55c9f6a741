import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export const CONSOLE_PATH = '/console';
const API_PREFIX = `${CONSOLE_PATH}/api/`;

/**
 * The built console's directory: `CONSOLE_DIR`, else `dist/apps/console` of the running build
 * (found from this file's location, in `dist/` or in the sources during tests).
 */
export function resolveConsoleDir(configured: string | undefined, from: string = __dirname): string | undefined {
  if (configured) return configured;
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = basename(dir) === 'dist' ? join(dir, 'apps', 'console') : join(dir, 'dist', 'apps', 'console');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return undefined;
}

/**
 * Serves the console's static files under /console, and its `index.html` for every other
 * /console page (client-side routes), except /console/api/*. Hashed assets are cached for a year,
 * index.html never. When the console was not built: 404 saying how to build it.
 */
export function consoleStaticHandler(dir: string | undefined): RequestHandler {
  const files = dir ? express.static(dir, { index: false, immutable: true, maxAge: '365d', fallthrough: true }) : undefined;
  let indexHtml: Buffer | undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    const path = req.originalUrl.split('?')[0];
    if (path.startsWith(API_PREFIX) || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    if (!files || !dir) {
      res.status(404).type('text/plain').send('The console is not built: run `npm run build` (it builds apps/console into dist/apps/console).\n');
      return;
    }
    const sendIndex = () => {
      indexHtml ??= readFileSync(join(dir, 'index.html'));
      res.status(200).setHeader('Cache-Control', 'no-cache');
      res.type('html').send(indexHtml);
    };
    // A file with an extension that does not exist is a 404, not the page (a stale asset link).
    if (path === CONSOLE_PATH || path === `${CONSOLE_PATH}/`) return sendIndex();
    files(req, res, () => {
      if (/\.[A-Za-z0-9]+$/.test(path)) {
        res.status(404).type('text/plain').send('Not found\n');
        return;
      }
      sendIndex();
    });
  };
}

/**
 * `GET /favicon.ico` at the root (browsers ask for it on every origin, /docs included): the
 * console's icon, cached for a day; 404 when the console was not built.
 */
export function faviconHandler(dir: string | undefined): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const file = dir ? join(dir, 'favicon.ico') : undefined;
    if (!file || !existsSync(file)) {
      res.status(404).type('text/plain').send('Not found\n');
      return;
    }
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.type('image/x-icon').send(readFileSync(file));
  };
}
