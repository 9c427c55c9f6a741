import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { ActContext } from '../../core/stage-kind';
import { UNCONFIGURED } from '../acting';
import { createHttpActor, httpStage, hostAllowed, HttpInput } from './http.stage';

const stage = { ...httpStage, ...createHttpActor({ ...UNCONFIGURED, fetch }) };

function context(overrides: Partial<ActContext> = {}): ActContext {
  return { instanceId: 'i1', stage: 0, attempt: 1, idempotencyKey: 'key-1', now: new Date(), signal: new AbortController().signal, ...overrides };
}

function resolved(spec: Record<string, unknown>): HttpInput {
  const result = stage.resolve(spec);
  if (!result.ok) throw new Error(result.error);
  return result.input;
}

describe('http stage', () => {
  let server: Server;
  let base: string;
  const calls: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }> = [];
  let handler: (req: IncomingMessage, res: ServerResponse) => void;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        calls.push({ method: req.method, url: req.url, headers: req.headers, body });
        handler(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => (calls.length = 0));

  it('checks the structure at create with clear messages; templates pass', () => {
    expect(stage.checkStructure({ method: 'POST', url: '${webhook_url}', body: '{"id":"${id}"}', timeout: '10s', save_as: 'hook' })).toBeUndefined();
    expect(stage.checkStructure({})).toBe("http: 'url' is required");
    expect(stage.checkStructure({ url: 'ftp://x' })).toMatch(/must be http or https/);
    expect(stage.checkStructure({ url: 'not a url' })).toMatch(/invalid url/);
    expect(stage.checkStructure({ url: 'http://x', method: 'FETCH' })).toMatch(/'method' must be one of GET, POST/);
    expect(stage.checkStructure({ url: 'http://x', timeout: 'ten' })).toMatch(/invalid timeout 'ten'/);
    expect(stage.checkStructure({ url: 'http://x', timeout: '1h' })).toMatch(/at most 5m0s/);
    expect(stage.checkStructure({ url: 'http://x', headers: { a: 1 } })).toMatch(/header 'a' must be a string/);
    expect(stage.checkStructure({ url: 'http://x', headers: { 'bad name': 'v' } })).toMatch(/invalid header name/);
    expect(stage.checkStructure({ url: 'http://x', save_as: 'a.b' })).toMatch(/save_as/);
    expect(stage.checkStructure({ url: 'http://x', body: { a: 1 } })).toMatch(/'body' must be a string/);
    expect(stage.checkStructure({ url: 'http://x', retry: { attempts: 0 } })).toMatch(/retry.attempts/);
    expect(stage.checkStructure({ url: 'http://x', verb: 'GET' })).toMatch(/unknown field 'verb'/);
  });

  it('validates fully once interpolated and normalises the input (defaults shown in history)', () => {
    expect(stage.resolve({ url: '' })).toEqual({ ok: false, error: "http: 'url' is required" });
    expect(stage.resolve({ url: 'no-scheme' })).toMatchObject({ ok: false });
    expect(resolved({ method: 'post', url: 'http://x/y' })).toEqual({
      method: 'POST',
      url: 'http://x/y',
      headers: {},
      timeout: '10s',
      retry: { attempts: 5, backoff: '1s', max_backoff: '1m0s' },
    });
    expect(stage.start(resolved({ url: 'http://x', retry: { attempts: 3, backoff: '10ms' } }), { now: new Date(), instanceId: 'i', stage: 0, variables: {} })).toEqual({
      type: 'act',
      retry: { attempts: 3, backoffMs: 10, maxBackoffMs: 60_000 },
    });
  });

  it('2xx succeeds with the status and the top-level scalar fields of a JSON body, with the idempotency key', async () => {
    handler = (_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'h1', ok: true, n: 3, nested: { a: 1 }, list: [1] }));
    };
    const input = resolved({ method: 'POST', url: `${base}/hook`, headers: { 'X-Token': 't' }, body: '{"id":"i1"}', save_as: 'hook' });
    const result = await stage.act(input, context());
    expect(result).toEqual({ type: 'succeeded', output: { status: 201, body: { id: 'h1', ok: true, n: 3 } } });
    expect(calls).toEqual([expect.objectContaining({ method: 'POST', url: '/hook', body: '{"id":"i1"}' })]);
    expect(calls[0].headers['idempotency-key']).toBe('key-1');
    expect(calls[0].headers['x-token']).toBe('t');
    expect(stage.acting!.activity(input)).toEqual({ name: 'HttpRequest', request: { method: 'POST', url: `${base}/hook`, body: '{"id":"i1"}' } });
  });

  it('408, 429 and 5xx are retryable; other 4xx and redirects are fatal', async () => {
    for (const [status, type] of [[503, 'retryable'], [500, 'retryable'], [408, 'retryable'], [429, 'retryable'], [404, 'fatal'], [422, 'fatal'], [302, 'fatal']] as const) {
      handler = (_req, res) => {
        res.writeHead(status, status === 302 ? { location: 'http://169.254.169.254/' } : {});
        res.end('no');
      };
      const result = await stage.act(resolved({ url: `${base}/x` }), context());
      expect(result).toEqual({ type, error: expect.stringMatching(new RegExp(`^HTTP ${status}`)) });
    }
  });

  it('network errors and timeouts are retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await stage.act(resolved({ url: `http://127.0.0.1:${port}/` }), context())).toEqual({
      type: 'retryable',
      error: expect.stringMatching(/^network error: ECONNREFUSED/),
    });
    handler = () => undefined; // never answers
    expect(await stage.act(resolved({ url: `${base}/slow`, timeout: '50ms' }), context())).toEqual({ type: 'retryable', error: 'timeout after 50 ms' });
  });

  it('enforces the host allow-list (the SSRF control)', async () => {
    expect(hostAllowed('api.example.com', undefined)).toBe(true);
    expect(hostAllowed('api.example.com', ['*.example.com'])).toBe(true);
    expect(hostAllowed('example.com', ['example.com'])).toBe(true);
    expect(hostAllowed('evil.com', ['example.com', '*.example.com'])).toBe(false);
    expect(hostAllowed('notexample.com', ['*.example.com'])).toBe(false);
    const guarded = { ...httpStage, ...createHttpActor({ ...UNCONFIGURED, fetch, httpAllowedHosts: ['hooks.example.com'] }) };
    const result = await guarded.act(resolved({ url: `${base}/x` }), context());
    expect(result).toEqual({ type: 'fatal', error: expect.stringMatching(/host '127.0.0.1' is not in the allowed hosts/) });
    expect(calls).toHaveLength(0);
  });
});
