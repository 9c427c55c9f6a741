/**
 * Access suite: every route of the running gateway (read from its Express router, so routes added
 * later are covered) × every way of calling it without valid credentials × path spellings. The
 * only answers allowed are 401, 403 and 404, in the error shape of the API the path belongs to;
 * only the routes of PUBLIC_ROUTES may be called without credentials.
 */
import { createHmac } from 'node:crypto';
import { PlatformUnderTest } from '@wfp/testing';
import {
  apiOf,
  concretePath,
  ENGAGE_TOKENS,
  formanceToken,
  GatewayRoute,
  gatewayRoutes,
  isPublic,
  RawRequest,
  send,
  shapeProblem,
  SIGNING_SECRET,
  SOLVIMON_KEYS,
  startSecurityPlatform,
} from './helpers';

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** An HS256 JWT as the gateway issues them (or with another key / algorithm / lifetime). */
function jwt(claims: Record<string, unknown>, { key = SIGNING_SECRET, alg = 'HS256' }: { key?: string; alg?: string } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg, typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ iss: 'wfp-gateway', sub: 'sec-writer', iat: now, exp: now + 3600, ...claims }));
  const signature = alg === 'none' ? '' : createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

interface Credential {
  name: string;
  /** Applies the credential to a request for `route` (undefined: not applicable to that route). */
  apply: (route: GatewayRoute, req: RawRequest) => RawRequest | undefined;
  /** Allowed statuses for routes of the API it is meant for. */
  expect?: number[];
}

const bearer = (token: string) => (_: GatewayRoute, req: RawRequest) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } });
const WRITE = (route: GatewayRoute) => !['GET', 'HEAD', 'OPTIONS'].includes(route.method);
const withQuery = (req: RawRequest, query: string) => ({ ...req, path: `${req.path}${req.path.includes('?') ? '&' : '?'}${query}` });

/** Spellings of a concrete path that must not reach a handler without its check. */
function spellings(path: string): string[] {
  const segments = path.split('/').filter(Boolean);
  const out = new Set<string>([
    path.toUpperCase(),
    path.replace(/^\/(\w)/, (_, c: string) => `/${c.toUpperCase()}`),
    '/' + segments.map((s, i) => (i === segments.length - 1 ? s.toUpperCase() : s)).join('/'),
    `${path}/`,
    `/${path}`,
    path.replace(/\/([^/]+)$/, '//$1'),
    path.replace(/^\/([^/]+)\//, '/$1%2F'),
    path.replace(/^\/([^/]+)\//, '/$1%2f'),
    path.replace(/^\/(.)/, (_, c: string) => `/%${c.charCodeAt(0).toString(16).padStart(2, '0')}`),
    path.replace(/([a-z])([^/]*)$/, (_, c: string, rest: string) => `%${c.charCodeAt(0).toString(16)}${rest}`),
    path.replace(/^\/([^/]+)\//, '/$1/./'),
    path.replace(/^\/([^/]+)\//, '/$1/x/../'),
    path.replace(/^\/([^/]+)\//, '/$1/%2e%2e/$1/'),
    path.replace(/^\/([^/]+)\//, '/$1;jsessionid=1/'),
    `${path};x=1`,
    `/healthz/..${path}`,
    `/api/orchestration/_info/..${path}`,
  ]);
  out.delete(path);
  return [...out];
}

describe('access: no route answers without the credentials it demands, whatever the spelling', () => {
  let platform: PlatformUnderTest;
  let routes: GatewayRoute[];
  let readToken: string;
  let credentials: Credential[];

  beforeAll(async () => {
    platform = await startSecurityPlatform('sec_access');
    routes = await gatewayRoutes(platform);
    readToken = await formanceToken(platform, 'orchestration:read');
    credentials = [
      { name: 'no credentials', apply: (_, req) => req },
      { name: 'garbage bearer', apply: bearer('not-a-jwt') },
      { name: 'basic auth', apply: (_, req) => ({ ...req, headers: { ...req.headers, authorization: 'Basic c2VjLXdyaXRlcjpzZWMtd3JpdGVyLXNlY3JldA==' } }) },
      { name: 'expired JWT', apply: bearer(jwt({ scope: 'orchestration:read orchestration:write', iat: 1, exp: 2 })) },
      { name: 'JWT signed with a foreign key', apply: bearer(jwt({ scope: 'orchestration:read orchestration:write' }, { key: 'another-key-another-key-another-key' })) },
      { name: 'alg:none JWT', apply: bearer(jwt({ scope: 'orchestration:read orchestration:write' }, { alg: 'none' })) },
      { name: 'JWT from another issuer', apply: bearer(jwt({ scope: 'orchestration:read orchestration:write', iss: 'someone-else' })) },
      { name: 'JWT without scopes', apply: bearer(jwt({ scope: '' })) },
      { name: 'read-only token on a write', apply: (route, req) => (WRITE(route) ? bearer(readToken)(route, req) : undefined) },
      { name: 'unknown Engage token', apply: (_, req) => withQuery(req, 'access_token=nope') },
      { name: 'access_token[] (a list)', apply: (_, req) => withQuery(req, `access_token[]=${ENGAGE_TOKENS.agent}`) },
      { name: 'access_token[k] (a map)', apply: (_, req) => withQuery(req, `access_token[k]=${ENGAGE_TOKENS.agent}`) },
      { name: 'disabled Engage user', apply: (_, req) => withQuery(req, `access_token=${ENGAGE_TOKENS.disabled}`) },
      { name: 'unknown Solvimon key', apply: (_, req) => ({ ...req, headers: { ...req.headers, 'x-api-key': 'sk_unknown_0123456789' } }) },
      {
        name: 'Solvimon key without the permission',
        apply: (route, req) =>
          apiOf(route.path.replace(':version', 'v1')) === 'solvimon' && route.method === 'POST' && !route.path.endsWith('/search')
            ? { ...req, headers: { ...req.headers, 'x-api-key': SOLVIMON_KEYS.viewer } }
            : undefined,
      },
      {
        name: 'Solvimon key of another platform',
        apply: (_, req) => ({ ...req, headers: { ...req.headers, 'x-api-key': SOLVIMON_KEYS.platformA, 'x-platform-id': 'plat_b' } }),
      },
    ];
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
  });

  function baseRequest(route: GatewayRoute, path: string): RawRequest {
    return ['GET', 'HEAD', 'DELETE'].includes(route.method)
      ? { method: route.method, path }
      : { method: route.method, path, headers: { 'content-type': 'application/json' }, body: '{}' };
  }

  const failures: string[] = [];
  function check(route: GatewayRoute, label: string, req: RawRequest, res: { status: number }, problem: string | undefined, allowed: number[]): void {
    if (!allowed.includes(res.status)) failures.push(`${route.method} ${route.path} [${label}] ${req.method} ${req.path} → ${res.status}`);
    else if (problem) failures.push(`${route.method} ${route.path} [${label}] ${req.method} ${req.path} → ${res.status}: ${problem}`);
  }

  it('finds the routes of every API in the running gateway', () => {
    const paths = routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of [
      'GET /api/orchestration/workflows',
      'POST /api/events',
      'GET /1.0/interventions',
      'POST /:version/workflow-triggers',
      'GET /api/orchestration/triggers/:triggerID',
    ]) {
      expect(paths).toContain(expected);
    }
    expect(routes.filter((r) => !isPublic(r)).length).toBeGreaterThan(25);
  });

  it('refuses every protected route with 401/403/404 for each bad credential, in the API error shape', async () => {
    failures.length = 0;
    const started = Date.now();
    let requests = 0;
    for (const route of routes.filter((r) => !isPublic(r))) {
      const path = concretePath(route.path);
      for (const credential of credentials) {
        const req = credential.apply(route, baseRequest(route, path));
        if (!req) continue;
        const res = await send(platform, req);
        requests++;
        check(route, credential.name, req, res, shapeProblem(req.path, res), [401, 403, 404]);
      }
    }
    console.log(`access: ${requests} credential requests in ${Date.now() - started} ms`);
    expect(failures).toEqual([]);
  }, 120_000);

  it('refuses every protected route under every path spelling (case, encodings, slashes, dot segments, ;params)', async () => {
    failures.length = 0;
    const started = Date.now();
    let requests = 0;
    for (const route of routes.filter((r) => !isPublic(r))) {
      for (const spelled of spellings(concretePath(route.path))) {
        const req = baseRequest(route, spelled);
        const res = await send(platform, req);
        requests++;
        check(route, 'spelling', req, res, shapeProblem(spelled, res), [401, 403, 404]);
      }
    }
    console.log(`access: ${requests} spelling requests in ${Date.now() - started} ms`);
    expect(failures).toEqual([]);
  }, 120_000);

  it('still serves valid credentials (the suite is not vacuous)', async () => {
    const token = await formanceToken(platform);
    expect((await send(platform, { method: 'GET', path: '/api/orchestration/workflows', headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await send(platform, { method: 'GET', path: '/api/orchestration/workflows', headers: { authorization: `Bearer ${readToken}` } })).status).toBe(200);
    expect((await send(platform, { method: 'GET', path: `/1.0/interventions?access_token=${ENGAGE_TOKENS.agent}` })).status).toBe(200);
    expect((await send(platform, { method: 'GET', path: '/v1/workflow-triggers', headers: { 'x-api-key': SOLVIMON_KEYS.viewer } })).status).toBe(200);
    expect((await send(platform, { method: 'GET', path: '/api/orchestration/_info' })).status).toBe(200);
  });
});
