/**
 * Fuzz suite: property-based bad input (fast-check, seeded: `FUZZ_SEED=<n>` replays a run) against
 * every route of the running gateway (read from its Express router) with valid credentials, so the
 * input reaches the handlers and the services behind them. Body fields come from the project's zod
 * schemas. Asserts: no 5xx, no answer slower than 5 s, the API's own error shape on 4xx, and the
 * whole platform healthy afterwards. Bounded to about 40 s of requests (FUZZ_TIME_LIMIT_MS).
 */
import fc from 'fast-check';
import { z } from 'zod';
import {
  eventEnvelopeSchema,
  listInterventionsRequestSchema,
  replyRequestSchema,
  searchBodySchema,
  triggerSchema,
  updateCustomFieldsRequestSchema,
  workflowConfigSchema,
  workflowTriggerCreateSchema,
} from '@wfp/contracts';
import { PlatformUnderTest } from '@wfp/testing';
import {
  apiOf,
  concretePath,
  ENGAGE_TOKENS,
  formanceToken,
  GatewayRoute,
  gatewayRoutes,
  RawRequest,
  sampleParam,
  send,
  shapeProblem,
  SOLVIMON_KEYS,
  startSecurityPlatform,
} from './helpers';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const TIME_LIMIT_MS = Number(process.env.FUZZ_TIME_LIMIT_MS ?? 40_000);
const BODY_LIMIT = 400 * 1024;

const keysOf = (schema: z.ZodType): string[] => (schema instanceof z.ZodObject ? Object.keys(schema.shape) : []);

/** Body field names per route, from the contracts' zod schemas (generic names for routes added later). */
function fieldsFor(route: GatewayRoute): string[] {
  const p = route.path;
  if (p === '/api/orchestration/workflows') return keysOf(workflowConfigSchema);
  if (p.endsWith('/instances')) return ['var1', 'amount', 'destination'];
  if (p.endsWith('/events') && p.startsWith('/api/orchestration')) return ['name'];
  if (p === '/api/orchestration/triggers') return keysOf(triggerSchema);
  if (p === '/api/events') return keysOf(eventEnvelopeSchema);
  if (p === '/api/auth/oauth/token') return ['grant_type', 'client_id', 'client_secret', 'scope'];
  if (p.endsWith('/workflow-triggers/search')) return keysOf(searchBodySchema);
  if (p.endsWith('/workflow-triggers')) return keysOf(workflowTriggerCreateSchema);
  if (p.startsWith('/1.0')) {
    return [...new Set([...keysOf(listInterventionsRequestSchema), ...keysOf(replyRequestSchema), ...keysOf(updateCustomFieldsRequestSchema), 'content_id', 'user_id', 'category_ids'])].filter((k) => k !== 'token');
  }
  return ['name', 'id', 'data'];
}

const QUERY_PARAMS: Record<string, string[]> = {
  formance: ['name', 'wait', 'running', 'workflowID'],
  events: ['id'],
  engage: ['access_token', 'limit', 'offset', 'status', 'sort', 'thread_id', 'user_id', 'identity_id', 'content_id', 'custom_field_values'],
  solvimon: ['page', 'limit', 'order_by', 'order_direction'],
  oauth: ['grant_type', 'client_id', 'client_secret', 'scope'],
  plain: ['q', 'page'],
};

const INJECTIONS = [
  "' OR '1'='1", "'; DROP TABLE workflows;--", '" OR 1=1 --', '${jndi:ldap://x/a}', '{{7*7}}', '<script>alert(1)</script>',
  '../../../../etc/passwd', '..\\..\\windows\\win.ini', '%00', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '🚀🔥', '\u202e',
  '$where', '{"$gt":""}', 'NaN', 'Infinity', '-1', '9999999999h', '1e309', '', ' ', '\n', 'null', 'true', '0x10', 'SELECT pg_sleep(10)',
];
const badString = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('x'.repeat(100_001), 'é'.repeat(5000)),
);
/** Short enough for a URL (Node answers 431 itself above 16 KB of headers). */
const shortString = fc.oneof(fc.constantFrom(...INJECTIONS), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));
const badNumber = fc.oneof(
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -1, 0, -0, 1.5, 2 ** 31, -(2 ** 63)),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const badValue: fc.Arbitrary<unknown> = fc.oneof(
  badString,
  badNumber,
  fc.boolean(),
  fc.constant(null),
  fc.array(badString, { maxLength: 3 }),
  fc.dictionary(badString, badString, { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);

const shortValue: fc.Arbitrary<unknown> = fc.oneof(shortString, badNumber, fc.boolean(), fc.constant(null), fc.array(shortString, { maxLength: 3 }));

function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

interface Mutation {
  kind: string;
  pathParam?: string;
  query?: string;
  contentType?: string;
  body?: string;
}

const enc = encodeURIComponent;
function safeEnc(value: string): string {
  try {
    return enc(value);
  } catch {
    return '%ED%A0%80'; // a lone surrogate, as UTF-8 bytes
  }
}
function queryOf(pairs: Array<[string, unknown]>): string {
  return pairs.map(([k, v]) => `${k}=${safeEnc(typeof v === 'string' ? v : JSON.stringify(v) ?? '')}`).join('&');
}

function mutations(route: GatewayRoute): fc.Arbitrary<Mutation> {
  const fields = fieldsFor(route);
  const params = QUERY_PARAMS[apiOf(concretePath(route.path))];
  const field = fc.constantFrom(...fields);
  const param = fc.constantFrom(...params);
  const json = (body: unknown) => ({ contentType: 'application/json', body: JSON.stringify(body) });
  return fc.oneof(
    fc.constantFrom('{', '{"a":', '[1,', '{"a":1}}', "{'a':1}", 'nul', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '\u0000', '{"__proto__":{"x":1}}').map((body) => ({ kind: 'malformed JSON', contentType: 'application/json', body })),
    fc.tuple(fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'text/vnd.yaml', 'application/octet-stream', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/json; charset=bogus'), badString).map(([contentType, body]) => ({ kind: 'content type', contentType, body })),
    fc.tuple(field, badValue).map(([k, v]) => ({ kind: 'wrong type', ...json({ [k]: v }) })),
    fc.dictionary(field, badValue, { maxKeys: fields.length }).map((body) => ({ kind: 'fields', ...json(body) })),
    fc.tuple(field, badString, badString).map(([k, a, b]) => ({ kind: 'nested field', ...json({ [k]: { [a]: [b, { [k]: b }] } }) })),
    fc.array(fc.tuple(param, shortValue), { minLength: 1, maxLength: 4 }).map((pairs) => ({ kind: 'query', query: queryOf(pairs) })),
    fc.tuple(param, shortString, shortString).map(([k, a, b]) => ({ kind: 'duplicated params', query: `${k}=${safeEnc(a)}&${k}=${safeEnc(b)}&${k}[]=${safeEnc(a)}&${k}[x]=${safeEnc(b)}` })),
    fc.tuple(fc.integer({ min: 65, max: 60_000 }), fc.constantFrom<'array' | 'object'>('array', 'object')).map(([depth, kind]) => ({ kind: 'deep nesting', contentType: 'application/json', body: nested(depth, kind) })),
    fc.constantFrom('a: &a [*a, *a]', 'a: &a ["x"]\nb: [*a, *a, *a]\nc: [*b, *b, *b]', '['.repeat(5000) + ']'.repeat(5000), 'name: "\\0"', 'name: "\\ud800"', '!!js/function "x"', 'stages:\n\t- x').map((body) => ({ kind: 'yaml', contentType: 'text/vnd.yaml', body })),
    fc.constant({ kind: 'oversized body', contentType: 'application/json', body: `{"name":"${'x'.repeat(BODY_LIMIT + 10)}"}` }),
    fc.oneof(badString.map(safeEnc), fc.constantFrom('%00', '%ED%A0%80', '%FF', '%', '..%2F..%2Fetc%2Fpasswd', '..', '%2e%2e', 'a'.repeat(5000), '%F0%9F%9A%80', "'%20OR%201=1--", '-1', '99999999999999999999'))
      .map((pathParam) => ({ kind: 'path param', pathParam })),
  );
}

function credentials(path: string, formance: string): Record<string, string> {
  switch (apiOf(path)) {
    case 'formance':
    case 'events':
      return { authorization: `Bearer ${formance}` };
    case 'engage':
      return { authorization: `Bearer ${ENGAGE_TOKENS.agent}` };
    case 'solvimon':
      return { 'x-api-key': SOLVIMON_KEYS.admin };
    default:
      return {};
  }
}

describe('fuzz: no input makes the platform answer 5xx, hang, crash or leave its error format', () => {
  let platform: PlatformUnderTest;
  let routes: GatewayRoute[];
  let token: string;

  beforeAll(async () => {
    platform = await startSecurityPlatform('sec_fuzz', { BODY_LIMIT_BYTES: String(BODY_LIMIT) });
    routes = await gatewayRoutes(platform);
    token = await formanceToken(platform);
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
  });

  /** The cases found by hand (issue 9 §2, §3 of the access_token list): each a 4xx in its API's format. */
  describe('known bad inputs', () => {
    const formance = (method: string, path: string, body?: string, contentType = 'application/json') =>
      send(platform, { method, path, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': contentType } : {}) }, body });
    const engage = (method: string, path: string, form?: string) =>
      send(platform, {
        method,
        path,
        headers: { authorization: `Bearer ${ENGAGE_TOKENS.agent}`, ...(form !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        body: form,
      });
    const solvimon = (method: string, path: string, body?: unknown) =>
      send(platform, {
        method,
        path,
        headers: { 'x-api-key': SOLVIMON_KEYS.admin, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const expectFormance400 = (res: { status: number; json: unknown }, text: string | RegExp) => {
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ errorCode: 'VALIDATION', errorMessage: expect.stringMatching(text) });
    };

    it('Formance: NUL and lone surrogates in names, variables, event names, trigger fields and query params → 400 VALIDATION', async () => {
      expectFormance400(await formance('POST', '/api/orchestration/workflows', JSON.stringify({ name: 'a\u0000b', stages: [] })), /body\.name contains a NUL/);
      expectFormance400(await formance('POST', '/api/orchestration/workflows', '{"name":"\\ud800","stages":[]}'), /body\.name contains invalid UTF-16/);
      const created = await formance('POST', '/api/orchestration/workflows', JSON.stringify({ name: 'ok', stages: [] }));
      expect(created.status).toBe(201);
      const id = (created.json as { data: { id: string } }).data.id;
      expectFormance400(await formance('POST', `/api/orchestration/workflows/${id}/instances`, JSON.stringify({ v: '\u0000' })), /body\.v/);
      expectFormance400(await formance('POST', `/api/orchestration/workflows/${id}/instances`, '{"v":"x\\udc00"}'), /UTF-16/);
      expectFormance400(await formance('POST', `/api/orchestration/instances/${id}/events`, JSON.stringify({ name: '\u0000' })), /body\.name/);
      expectFormance400(await formance('POST', '/api/orchestration/triggers', JSON.stringify({ name: 'x\u0000', event: 'a', workflowID: id })), /body\.name/);
      expectFormance400(await formance('GET', '/api/orchestration/triggers?name=%00'), /query\.name contains a NUL/);
      expectFormance400(await formance('GET', '/api/orchestration/workflows/%00'), /path contains a NUL/);
      expectFormance400(await formance('POST', '/api/orchestration/workflows', JSON.stringify({ name: 'x'.repeat(100_001), stages: [] })), /longer than 100000/);
    });

    it('Formance: deep nesting under the body limit and YAML aliases → 400 VALIDATION', async () => {
      expectFormance400(await formance('POST', '/api/orchestration/workflows', '['.repeat(100_000) + ']'.repeat(100_000)), /deeper than 64/);
      expectFormance400(await formance('POST', '/api/orchestration/workflows', '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000)), /deeper than 64/);
      expectFormance400(await formance('POST', '/api/orchestration/workflows', 'a: &a [*a, *a]', 'text/vnd.yaml'), /aliases/);
      const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
      expectFormance400(await formance('POST', '/api/orchestration/workflows', bomb.join('\n'), 'text/vnd.yaml'), /aliases/);
      expectFormance400(await formance('POST', '/api/orchestration/workflows', '['.repeat(20_000) + ']'.repeat(20_000), 'text/vnd.yaml'), /unmarshalling yaml/);
      // Deep YAML is refused before parsing (the parser would exhaust the stack, fatally inside V8's regexp compiler).
      expectFormance400(await formance('POST', '/api/orchestration/workflows', '- '.repeat(20_000) + 'x', 'text/vnd.yaml'), /nest deeper/);
      expectFormance400(await formance('POST', '/api/orchestration/workflows', 'a: ' + '{b: '.repeat(5_000) + '1' + '}'.repeat(5_000), 'text/vnd.yaml'), /nest deeper/);
    });

    it('/api/events: NUL in the event type → 400 in its format', async () => {
      const res = await formance('POST', '/api/events', JSON.stringify({ app: 'a', version: 'v1', type: 't\u0000', payload: {} }));
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: 'VALIDATION', message: expect.stringContaining('body.type contains a NUL'), status: 400 });
    });

    it('Engage: NUL in custom fields and reply bodies → 400 bad_request; access_token[] and access_token[k] → 403', async () => {
      const custom = await engage('PUT', `/1.0/interventions/${sampleParam('id')}`, 'custom_field_values[k]=%00');
      expect(custom.status).toBe(400);
      expect(custom.json).toMatchObject({ error: 'bad_request', status: 400, message: expect.stringContaining('custom_field_values.k contains a NUL') });
      const reply = await engage('POST', '/1.0/contents', `in_reply_to_id=${sampleParam('id')}&body=hi%00`);
      expect(reply.status).toBe(400);
      expect(reply.json).toMatchObject({ error: 'bad_request', status: 400 });
      for (const query of [`access_token[]=${ENGAGE_TOKENS.agent}`, `access_token[k]=${ENGAGE_TOKENS.agent}`]) {
        const res = await send(platform, { method: 'GET', path: `/1.0/interventions?${query}` });
        expect(res.status).toBe(403);
        expect(res.json).toEqual({ error: 'invalid_access_token', message: 'Invalid access token', status: 403 });
      }
      // A list where a single value is expected is refused, not coerced (a repeated plain parameter keeps its last value, as Rack).
      expect((await engage('GET', '/1.0/interventions?limit[]=5')).json).toMatchObject({ status: 422, error: 'validation_error' });
      expect((await engage('GET', '/1.0/interventions?limit=5&limit=7')).status).toBe(200);
    });

    it('Solvimon: NUL and lone surrogates in ids and search values, duplicated params → 400 INVALID_FIELD', async () => {
      const byId = await solvimon('GET', '/v1/workflow-triggers/%00');
      expect(byId.status).toBe(400);
      expect(byId.json).toMatchObject({ type: 'INVALID_REQUEST', code: 'INVALID_FIELD', field: 'path' });
      const create = await solvimon('POST', '/v1/workflow-triggers', { type: 'MANUAL', workflow_id: 'w', customer_id: '\ud800', payment: { payment_id: 'p', manual: { variant: 'FAILED_PAYMENT' } } });
      expect(create.status).toBe(400);
      expect(create.json).toMatchObject({ code: 'INVALID_FIELD', field: 'customer_id' });
      const search = await solvimon('POST', '/v1/workflow-triggers/search', { search_fields: [{ field: 'workflow_id', value: 'a\u0000' }] });
      expect(search.status).toBe(400);
      expect(search.json).toMatchObject({ code: 'INVALID_FIELD', field: 'search_fields.0.value' });
      const duplicated = await solvimon('GET', '/v1/workflow-triggers?page=1&page=2');
      expect(duplicated.status).toBe(400);
      expect(duplicated.json).toMatchObject({ code: 'INVALID_FIELD', field: 'page' });
    });
  });

  it('answers every bad request below 500, within 5 s, in the API error shape', async () => {
    console.log(`fuzz: seed ${SEED} (replay with FUZZ_SEED=${SEED}), ${routes.length} routes, time limit ${TIME_LIMIT_MS} ms`);
    const started = Date.now();
    let runs = 0;
    let last = '';
    const byKind = new Map<string, number>();
    const arbitrary = fc.constantFrom(...routes).chain((route) => fc.tuple(fc.constant(route), mutations(route)));
    await fc.assert(
      fc.asyncProperty(arbitrary, async ([route, mutation]) => {
        last = `${route.method} ${route.path} [${mutation.kind}]`;
        runs++;
        byKind.set(mutation.kind, (byKind.get(mutation.kind) ?? 0) + 1);
        let replaced = false;
        let path = concretePath(route.path, (name) => {
          if (mutation.pathParam !== undefined && !replaced && name !== 'version') {
            replaced = true;
            return mutation.pathParam;
          }
          return sampleParam(name);
        });
        if (mutation.query) path += `?${mutation.query}`;
        const req: RawRequest = {
          method: route.method,
          path,
          headers: { ...credentials(path, token), ...(mutation.contentType ? { 'content-type': mutation.contentType } : {}) },
          body: mutation.body,
        };
        const res = await send(platform, req);
        if (res.status >= 500) throw new Error(`${route.method} ${path.slice(0, 300)} [${mutation.kind}] → ${res.status} ${res.text.slice(0, 300)}`);
        if (res.status >= 400) {
          const problem = shapeProblem(path, res);
          if (problem) throw new Error(`${route.method} ${path.slice(0, 300)} [${mutation.kind}] → ${res.status}: ${problem}`);
        }
      }),
      {
        seed: SEED,
        numRuns: 5000,
        interruptAfterTimeLimit: TIME_LIMIT_MS,
        markInterruptAsFailure: false,
        endOnFailure: true,
        // A short report (counterexamples can be megabytes): the seed and run path replay it.
        reporter: (details) => {
          if (!details.failed) return;
          const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
          throw new Error(`fuzz failed (seed ${details.seed}, path ${details.counterexamplePath}) on ${last}: ${cause.slice(0, 1500)}`);
        },
      },
    );
    console.log(`fuzz: ${runs} requests in ${Date.now() - started} ms: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    expect(runs).toBeGreaterThan(20);
  }, 120_000);

  it('leaves the platform healthy: every service ready and serving', async () => {
    const ready = await send(platform, { method: 'GET', path: '/readyz' });
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({ status: 'ready' });
    const list = await send(platform, { method: 'GET', path: '/api/orchestration/workflows', headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    expect(platform.logLines('gateway').filter((line) => line.msg === 'unexpected error while serving a request')).toEqual([]);
    for (const service of ['gateway', 'orchestrator', 'triggers', 'interventions'] as const) {
      expect(platform.logLines(service).filter((line) => line.level === 'fatal' || line.level === 60)).toEqual([]);
    }
  });
});
