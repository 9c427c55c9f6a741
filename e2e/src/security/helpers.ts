/**
 * Shared by the access and fuzz suites: a platform with auth on for every API, the gateway's
 * routes as its Express router has them (so routes merged later are covered without editing a
 * list), raw HTTP (no client-side path normalisation) with a hang deadline, and each API's
 * error shape.
 */
import { request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ObjectId } from 'bson';
import { PlatformUnderTest } from '@wfp/testing';
import { seed, SEED } from '../interventions/helpers';

export const SIGNING_SECRET = 'security-suite-signing-secret-0123456789abcdef';
export const WRITER = { id: 'sec-writer', secret: 'sec-writer-secret' };
export const SOLVIMON_KEYS = {
  admin: 'sk_sec_admin_0123456789',
  viewer: 'sk_sec_viewer_0123456789',
  platformA: 'sk_sec_platform_a_0123456789',
};
export const ENGAGE_TOKENS = { agent: SEED.alice.token, disabled: SEED.disabled.token };

/** No request may take longer than this (a hang). */
export const HANG_MS = 5000;

/** Routes anyone may call without credentials. Every other route must refuse a caller without them. */
export const PUBLIC_ROUTES: RegExp[] = [
  /^\/(healthz|readyz)$/,
  /^\/api\/orchestration(\/v2)?\/_info$/,
  /^\/api\/auth\/oauth\/token$/,
  /^\/docs(\/|$)/,
  /^\/openapi(\/|$|\.json)/,
  /^\/asyncapi\.json$/, // the bus's AsyncAPI document (served with the API docs)
  /^\/console(\/|$)/, // static console assets
  /^\/metrics$/,
  /^\/asyncapi\.json$/, // the AsyncAPI document of the bus
];

export async function startSecurityPlatform(label: string, env: Record<string, string> = {}): Promise<PlatformUnderTest> {
  const platform = await PlatformUnderTest.start({
    label,
    env: {
      LOG_LEVEL: 'info',
      FORMANCE_AUTH_CLIENTS: `${WRITER.id}:${WRITER.secret}`,
      FORMANCE_AUTH_SIGNING_SECRET: SIGNING_SECRET,
      ORCHESTRATION_RUN_WAIT_TIMEOUT_MS: '1000',
      SOLVIMON_API_KEYS: JSON.stringify([
        { key: SOLVIMON_KEYS.admin, permissions: ['WORKFLOW_TRIGGER.VIEW', 'WORKFLOW_TRIGGER.CREATE'] },
        { key: SOLVIMON_KEYS.viewer, permissions: ['WORKFLOW_TRIGGER.VIEW'] },
        { key: SOLVIMON_KEYS.platformA, permissions: ['WORKFLOW_TRIGGER.VIEW', 'WORKFLOW_TRIGGER.CREATE'], platforms: ['plat_a'] },
      ]),
      ...env,
    },
  });
  seed(platform.database.url);
  return platform;
}

export async function formanceToken(platform: PlatformUnderTest, scope = 'orchestration:read orchestration:write'): Promise<string> {
  const res = await fetch(`${platform.url}/api/auth/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: WRITER.id, client_secret: WRITER.secret, scope }),
  });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export interface GatewayRoute {
  method: string;
  /** As declared, e.g. `/api/orchestration/workflows/:flowId`. */
  path: string;
}

interface ExpressLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/**
 * Every route of the gateway, read from the Express router of a gateway app built in this process
 * from the same `dist/` the platform runs (initialised against the platform's namespace, never
 * listening). Nest middleware registrations (all methods) are left out.
 */
export async function gatewayRoutes(platform: PlatformUnderTest): Promise<GatewayRoute[]> {
  const dist = join(__dirname, '..', '..', '..', 'dist', 'apps', 'gateway', 'src');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createGatewayApp } = require(join(dist, 'http-app.js')) as {
    createGatewayApp: (config: unknown) => Promise<{ getHttpAdapter(): { getInstance(): { router: { stack: ExpressLayer[] } } }; close(): Promise<void> }>;
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadGatewayConfig } = require(join(dist, 'config.js')) as { loadGatewayConfig: (env: Record<string, string>) => unknown };
  const app = await createGatewayApp(loadGatewayConfig({ ...platform.env('gateway'), LOG_LEVEL: 'silent' }));
  try {
    const seen = new Set<string>();
    const routes: GatewayRoute[] = [];
    for (const layer of app.getHttpAdapter().getInstance().router.stack) {
      if (!layer.route) continue;
      const methods = Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m]);
      if (methods.length > 3) continue; // middleware bound to routes (registered for every method)
      for (const path of Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path]) {
        for (const method of methods) {
          const key = `${method.toUpperCase()} ${path}`;
          if (seen.has(key)) continue;
          seen.add(key);
          routes.push({ method: method.toUpperCase(), path });
        }
      }
    }
    return routes;
  } finally {
    await app.close();
  }
}

export const isPublic = (route: GatewayRoute) => PUBLIC_ROUTES.some((re) => re.test(route.path));

/** A value for a path parameter, by name (unknown names get a plain word). */
export function sampleParam(name: string): string {
  if (/^version$/i.test(name)) return 'v1';
  if (/^number$/i.test(name)) return '0';
  if (/^(flowId|workflowID)$/i.test(name)) return randomUUID();
  if (/^(instanceID|triggerID)$/i.test(name)) return randomUUID();
  if (/^id$/.test(name)) return new ObjectId().toHexString();
  if (/^resourceId$/.test(name)) return 'wtr_0123456789abcdefghij';
  return 'x1';
}

/** The declared path with every parameter (`:name`, `*name`, `{*name}`, `{/:name}`) filled. */
export function concretePath(path: string, fill: (name: string) => string = sampleParam): string {
  return path
    .replace(/\{\/?\*?:?(\w+)\}/g, (_, name: string) => fill(name))
    .replace(/[:*](\w+)/g, (_, name: string) => fill(name));
}

/** Which API a path is served as (decides the error shape). */
export type ApiKind = 'formance' | 'events' | 'engage' | 'solvimon' | 'oauth' | 'plain';
export function apiOf(path: string): ApiKind {
  const p = path.split('?')[0];
  if (p === '/api/orchestration' || p.startsWith('/api/orchestration/')) return 'formance';
  if (p === '/api/events' || p.startsWith('/api/events/')) return 'events';
  if (p === '/api/auth/oauth/token') return 'oauth';
  if (p === '/1.0' || p.startsWith('/1.0/')) return 'engage';
  if (/^\/v[^/]*\/workflow-triggers(\/|$)/.test(p)) return 'solvimon';
  return 'plain';
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
  ms: number;
}

export interface RawRequest {
  method: string;
  /** Sent as is (no normalisation of `..`, `//`, encodings). */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/**
 * One HTTP request, rejecting if no answer came within HANG_MS. A server that answers before
 * reading the whole body (413) and closes is fine: the answer counts, not the write error.
 */
export function send(platform: PlatformUnderTest, req: RawRequest): Promise<RawResponse> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
    let responded = false;
    let settled = false;
    const finish = (error: Error | undefined, value?: RawResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(value!);
    };
    const r = httpRequest(
      {
        host: '127.0.0.1',
        port: platform.port,
        method: req.method,
        path: req.path,
        headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...req.headers },
        agent: false,
      },
      (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        const done = () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, text, json, ms: Date.now() - started });
        };
        res.on('end', done);
        res.on('error', done);
        res.on('aborted', done);
      },
    );
    const timer = setTimeout(() => {
      finish(new Error(`${req.method} ${req.path.slice(0, 200)}: no answer within ${HANG_MS} ms (a hang)`));
      r.destroy();
    }, HANG_MS);
    r.on('error', (error) => {
      if (!responded) finish(new Error(`${req.method} ${req.path.slice(0, 200)}: ${error.message}`));
    });
    if (body) r.write(body, () => undefined);
    r.end();
  });
}

const isString = (v: unknown) => typeof v === 'string';

/**
 * Whether an error response has the shape of the API serving `path`; returns a reason when not.
 * Formance (and /api/events) 401s are empty with a WWW-Authenticate header, as upstream.
 */
export function shapeProblem(path: string, res: RawResponse): string | undefined {
  const api = apiOf(path);
  const body = res.json as Record<string, unknown> | undefined;
  if ((api === 'formance' || api === 'events') && res.status === 401) {
    return res.headers['www-authenticate'] ? undefined : 'a Formance 401 carries WWW-Authenticate';
  }
  if (res.status === 413 && !body) return undefined; // the socket may be cut before a body is read
  if ((res.status === 431 || res.status === 414) && !res.text) return undefined; // Node's HTTP parser, before the app
  if (!body || typeof body !== 'object') return `not a JSON object: ${res.text.slice(0, 200)}`;
  switch (api) {
    case 'formance':
      return ['VALIDATION', 'NOT_FOUND', 'INTERNAL'].includes(body.errorCode as string) && isString(body.errorMessage)
        ? undefined
        : `not a Formance error: ${res.text.slice(0, 200)}`;
    case 'solvimon':
      return isString(body.type) && isString(body.code) && isString(body.message) && res.headers['x-request-id']
        ? undefined
        : `not a Solvimon ApiError: ${res.text.slice(0, 200)}`;
    case 'oauth': // RFC 6749 §5.2 (errors the Nest layer raises before the handler use the plain shape)
      return isString(body.error) && (isString(body.error_description) || isString(body.message))
        ? undefined
        : `not an OAuth2 error: ${res.text.slice(0, 200)}`;
    case 'engage':
    case 'events':
    case 'plain':
      return isString(body.error) && isString(body.message) && body.status === res.status
        ? undefined
        : `not an {error, message, status} error: ${res.text.slice(0, 200)}`;
  }
}
