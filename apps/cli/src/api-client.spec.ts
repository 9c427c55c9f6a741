import { ApiClient } from './api-client';
import { CliError, EXIT } from './exit-codes';

type Call = { url: string; method: string; auth?: string; body?: string };

/** A gateway stand-in: answers from `handle`, records every call. */
function fakeGateway(handle: (call: Call, n: number) => Response) {
  const calls: Call[] = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    const call: Call = {
      url,
      method: init.method ?? 'GET',
      auth: (init.headers as Record<string, string>)?.Authorization,
      body: init.body === undefined ? undefined : String(init.body),
    };
    calls.push(call);
    return handle(call, calls.length);
  }) as unknown as typeof fetch;
  return { calls, fetchImpl };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CliError) return [error.exitCode, error.message];
    throw error;
  }
  return 'resolved';
};

describe('wfp API client', () => {
  const config = { url: 'http://gw', clientId: 'me', clientSecret: 'secret' };

  it('gets a client-credentials token once, and a fresh one once after a 401', async () => {
    let tokens = 0;
    const gw = fakeGateway((call) => {
      if (call.url.endsWith('/api/auth/oauth/token')) return json(200, { access_token: `t${++tokens}`, token_type: 'Bearer', expires_in: 60, scope: '' });
      if (call.auth === 'Bearer t1' && call.url.endsWith('/workflows') && gwState.expired) return new Response('', { status: 401 });
      return json(200, { data: [] });
    });
    const gwState = { expired: false };
    const api = new ApiClient(config, gw.fetchImpl);
    await api.orchestration('GET', '/workflows');
    await api.orchestration('GET', '/workflows');
    expect(gw.calls.filter((c) => c.url.endsWith('/token'))).toHaveLength(1);
    expect(gw.calls[0].body).toContain('grant_type=client_credentials');
    expect(gw.calls[0].body).toContain('scope=orchestration%3Aread+orchestration%3Awrite');
    gwState.expired = true;
    await api.orchestration('GET', '/workflows');
    expect(gw.calls.map((c) => c.auth ?? 'token')).toEqual(['token', 'Bearer t1', 'Bearer t1', 'Bearer t1', 'token', 'Bearer t2']);
  });

  it('maps each failure to its exit code, with the API error message', async () => {
    const answers: Record<string, Response> = {
      '/api/orchestration/a': json(404, { errorCode: 'NOT_FOUND', errorMessage: 'workflow not found' }),
      '/api/orchestration/b': json(400, { errorCode: 'VALIDATION', errorMessage: 'bad stage' }),
      '/api/orchestration/c': json(503, { errorCode: 'INTERNAL', errorMessage: 'orchestrator service unavailable' }),
      '/api/orchestration/d': new Response('', { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="missing scope"' } }),
    };
    const gw = fakeGateway((call) => answers[new URL(call.url).pathname] ?? json(500, {}));
    const api = new ApiClient({ url: 'http://gw' }, gw.fetchImpl);
    expect(await codeOf(api.orchestration('GET', '/a'))).toEqual([EXIT.notFound, 'GET /api/orchestration/a: not found (workflow not found)']);
    expect(await codeOf(api.orchestration('POST', '/b'))).toEqual([EXIT.failed, 'POST /api/orchestration/b: 400 bad stage']);
    expect(await codeOf(api.orchestration('GET', '/c'))).toEqual([EXIT.unavailable, 'GET /api/orchestration/c: 503 orchestrator service unavailable']);
    expect(await codeOf(api.orchestration('GET', '/d'))).toEqual([
      EXIT.unauthorized,
      'GET /api/orchestration/d: 401 unauthorized (missing scope): auth is on: set WFP_CLIENT_ID and WFP_CLIENT_SECRET',
    ]);
  });

  it('says the gateway does not answer (exit 5), and refuses an id without a secret (exit 2)', async () => {
    const down = (async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    }) as unknown as typeof fetch;
    expect(await codeOf(new ApiClient({ url: 'http://gw' }, down).orchestration('GET', '/workflows'))).toEqual([
      EXIT.unavailable,
      expect.stringContaining('does not answer (ECONNREFUSED)'),
    ]);
    const gw = fakeGateway(() => json(200, {}));
    expect(await codeOf(new ApiClient({ url: 'http://gw', clientId: 'me' }, gw.fetchImpl).orchestration('GET', '/workflows'))).toEqual([
      EXIT.usage,
      'WFP_CLIENT_ID is set but WFP_CLIENT_SECRET is not',
    ]);
  });
});
