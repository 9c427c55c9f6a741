import type { NestExpressApplication } from '@nestjs/platform-express';
import { createTestNamespace, eventually, testNatsUrl } from '@wfp/testing';
import { loadGatewayConfig } from '../config';
import { createGatewayApp } from '../http-app';

/**
 * The gateway's real log output (real HTTP requests, real NATS, no service answering) is short
 * and never carries a credential: Engage access tokens (query or body), Formance client secrets
 * and bearer tokens, Solvimon API keys.
 */
describe('request logs', () => {
  const ENGAGE_QUERY_TOKEN = 'engage-query-token-7f3a9c';
  const ENGAGE_BODY_TOKEN = 'engage-body-token-51d0be';
  const CLIENT_SECRET = 'formance-client-secret-0e8d';
  const BEARER = 'formance.bearer.token-9b2c47';
  const API_KEY = 'sk_test_solvimon_key_4a4f';
  const lines: string[] = [];
  let app: NestExpressApplication;
  let url: string;

  beforeAll(async () => {
    const config = loadGatewayConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      NATS_URL: testNatsUrl(),
      NATS_NAMESPACE: createTestNamespace('logs'),
      LOG_LEVEL: 'trace',
      REQUEST_TIMEOUT_MS: '300',
      FORMANCE_AUTH_CLIENTS: `log-client:${CLIENT_SECRET}`,
      SOLVIMON_API_KEYS: JSON.stringify([{ key: API_KEY, permissions: ['WORKFLOW_TRIGGER.VIEW'] }]),
    });
    app = await createGatewayApp(config, { logDestination: { write: (line: string) => void lines.push(line) } });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('logs one short line per request with method, route, status, duration and request id, and no credential', async () => {
    const engage = await fetch(`${url}/1.0/interventions?access_token=${ENGAGE_QUERY_TOKEN}&limit=5`, {
      headers: { 'x-request-id': 'log-test-engage-1' },
    });
    await fetch(`${url}/1.0/interventions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `access_token=${ENGAGE_BODY_TOKEN}&content_id=0123456789abcdef01234567`,
    });
    // A wrong secret: refused before any token is signed (signing needs the ESM-only `jose`, out of
    // Jest's reach; the e2e suite e2e/src/platform/log-redaction.spec.ts covers issued tokens).
    const tokenRes = await fetch(`${url}/api/auth/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'log-client', client_secret: `${CLIENT_SECRET}-wrong` }),
    });
    expect(tokenRes.status).toBe(401);
    await fetch(`${url}/api/orchestration/_info`, { headers: { Authorization: `Bearer ${BEARER}` } });
    await fetch(`${url}/v1/workflow-triggers`, { headers: { 'X-API-KEY': API_KEY } });
    expect(engage.status).toBeGreaterThanOrEqual(400);
    // A request line is written when the response finishes: wait for all five.
    await eventually(() => lines.filter((line) => line.includes('"durationMs"')).length >= 5, { what: 'five request lines' });

    const output = lines.join('');
    for (const secret of [ENGAGE_QUERY_TOKEN, ENGAGE_BODY_TOKEN, CLIENT_SECRET, BEARER, API_KEY]) {
      expect(output).not.toContain(secret);
    }
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const entry of entries) {
      expect(typeof entry.level).toBe('string');
      expect(entry).not.toHaveProperty('req');
      expect(entry).not.toHaveProperty('res');
    }
    const engageLine = entries.find((entry) => entry.requestId === 'log-test-engage-1' && entry.status !== undefined);
    expect(engageLine).toMatchObject({
      service: 'gateway',
      method: 'GET',
      route: '/1.0/interventions',
      url: '/1.0/interventions?access_token=[REDACTED]&limit=5',
      status: engage.status,
    });
    expect(typeof engageLine?.durationMs).toBe('number');
    const requestLines = entries.filter((entry) => entry.status !== undefined);
    expect(requestLines.length).toBeGreaterThanOrEqual(5);
    for (const line of lines.filter((l) => l.includes('"status"'))) expect(line.length).toBeLessThan(400);
  });
});
