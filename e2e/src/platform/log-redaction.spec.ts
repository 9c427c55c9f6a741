import { ALL_SERVICES, eventually, PlatformUnderTest } from '@wfp/testing';
import { CLIENT_ID, CLIENT_SECRET, token } from '../orchestration/helpers';
import { seed, SEED } from '../interventions/helpers';

/**
 * No credential in any service's log, for real requests through the whole platform (debug level):
 * an Engage access token (query string and form body), a Formance client secret and bearer token.
 * Request lines are short and carry method, route, status, duration and request id.
 */
describe('logs keep credentials out', () => {
  let platform: PlatformUnderTest;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      label: 'logs',
      env: { LOG_LEVEL: 'debug', FORMANCE_AUTH_CLIENTS: `${CLIENT_ID}:${CLIENT_SECRET}` },
    });
    seed(platform.database.url);
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('logs no Engage access token, client secret or bearer token, and short request lines', async () => {
    const engageToken = SEED.alice.token;
    const list = await fetch(`${platform.url}/1.0/interventions?access_token=${engageToken}&limit=5`, {
      headers: { 'x-request-id': 'log-redaction-1' },
    });
    expect(list.status).toBe(200);
    const wrong = await fetch(`${platform.url}/1.0/interventions/5f00000000000000000000ff?access_token=not-a-real-engage-token-42`);
    expect(wrong.status).toBe(403);
    await fetch(`${platform.url}/1.0/interventions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `access_token=${engageToken}&content_id=5f00000000000000000000ee`,
    });
    const bearer = await token(platform);
    const workflows = await fetch(`${platform.url}/api/orchestration/workflows`, { headers: { Authorization: `Bearer ${bearer}` } });
    expect(workflows.status).toBe(200);
    const bad = await fetch(`${platform.url}/api/orchestration/workflows`, { headers: { Authorization: 'Bearer forged.jwt.value-77' } });
    expect(bad.status).toBe(401);

    await eventually(() => platform.logLines('gateway').some((line) => line.requestId === 'log-redaction-1' && line.status === 200), {
      what: 'the request line',
    });
    for (const service of ALL_SERVICES) {
      const text = platform.logText(service);
      for (const secret of [engageToken, 'not-a-real-engage-token-42', CLIENT_SECRET, bearer, 'forged.jwt.value-77']) {
        expect({ service, leaked: text.includes(secret) ? secret : undefined }).toEqual({ service, leaked: undefined });
      }
      for (const line of platform.logLines(service)) expect(typeof line.level).toBe('string');
    }
    const line = platform.logLines('gateway').find((l) => l.requestId === 'log-redaction-1' && l.status === 200)!;
    expect(line).toMatchObject({ method: 'GET', route: '/1.0/interventions', url: '/1.0/interventions?access_token=[REDACTED]&limit=5' });
    expect(typeof line.durationMs).toBe('number');
    expect(JSON.stringify(line).length).toBeLessThan(400);
  });
});
