import { randomUUID } from 'node:crypto';
import { connect, NatsConnection, StringCodec } from 'nats';
import { Client } from 'pg';
import { EventEnvelope, eventSubject } from '@wfp/contracts';
import { ClusterUnderTest, eventually, matchingDurableOf, testNatsUrl } from '@wfp/testing';

const CLIENT = 'replicas-e2e';
const SECRET = 'replicas-e2e-secret';

/**
 * Every service replicable: two gateways share the token and cursor keys (generated once, kept
 * in a JetStream KV bucket), and two triggers replicas share the durable consumer and see a
 * trigger created or deleted through either replica at once.
 */
describe('replicas: two gateways, two trigger matchers', () => {
  let cluster: ClusterUnderTest;
  let nc: NatsConnection;
  let db: Client;
  const sc = StringCodec();

  beforeAll(async () => {
    cluster = await ClusterUnderTest.start({
      label: 'replicas',
      natsUrl: testNatsUrl(),
      replicas: { orchestrator: 1, triggers: 2, interventions: 0, gateway: 2 },
      env: { FORMANCE_AUTH_CLIENTS: `${CLIENT}:${SECRET}`, ORCHESTRATOR_POLL_INTERVAL_MS: '50' },
    });
    nc = await connect({ servers: testNatsUrl() });
    db = new Client({ connectionString: cluster.database.url });
    await db.connect();
  }, 180_000);

  afterAll(async () => {
    await db?.end();
    await nc?.close();
    await cluster?.stop();
  });

  async function tokenFrom(gateway: string): Promise<string> {
    const res = await fetch(`${gateway}/api/auth/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  async function call(gateway: string, token: string, method: string, path: string, body?: unknown) {
    const res = await fetch(`${gateway}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  it('a token issued by one gateway is accepted by the other, and by a restarted one; the key is never logged', async () => {
    const [a, b] = cluster.gatewayUrls;
    const token = await tokenFrom(a);
    expect((await call(b, token, 'GET', '/api/orchestration/workflows')).status).toBe(200);
    await cluster.stopReplica('gateway', 0, 'SIGKILL');
    await cluster.startReplica('gateway', 0);
    expect((await call(a, token, 'GET', '/api/orchestration/workflows')).status).toBe(200);
    expect((await call(a, 'not-a-token', 'GET', '/api/orchestration/workflows')).status).toBe(401);

    const kv = await nc.jetstream().views.kv(`${cluster.namespace}_shared_secrets`);
    const key = (await kv.get('FORMANCE_AUTH_SIGNING_SECRET'))!.string();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    for (const index of [0, 1]) {
      const lines = cluster.replica('gateway', index).lines;
      expect(lines.some((line) => line.includes('shared by every replica through a JetStream KV bucket'))).toBe(true);
      expect(lines.some((line) => line.includes(key))).toBe(false);
    }
  });

  it('a v2 cursor issued by one gateway pages on the other', async () => {
    const [a, b] = cluster.gatewayUrls;
    const token = await tokenFrom(b);
    for (let i = 0; i < 3; i++) {
      expect((await call(a, token, 'POST', '/api/orchestration/workflows', { name: `paged-${i}`, stages: [{ noop: {} }] })).status).toBe(201);
    }
    const first = await call(a, token, 'GET', '/api/orchestration/v2/workflows?pageSize=1');
    expect(first.status).toBe(200);
    expect(first.body.cursor.hasMore).toBe(true);
    const second = await call(b, token, 'GET', `/api/orchestration/v2/workflows?cursor=${encodeURIComponent(first.body.cursor.next)}`);
    expect(second.status).toBe(200);
    expect(second.body.cursor.data).toHaveLength(1);
    expect(second.body.cursor.data[0].id).not.toBe(first.body.cursor.data[0].id);
  });

  it('both matchers read the durable of a trigger\'s event type, created or deleted through either replica', async () => {
    const [a, b] = cluster.gatewayUrls;
    const token = await tokenFrom(a);
    const jsm = await nc.jetstreamManager();
    const workflow = await call(a, token, 'POST', '/api/orchestration/workflows', { name: 'replicated', stages: [{ noop: {} }] });
    const type = `replicas.${randomUUID().slice(0, 8)}`;
    const created = await call(a, token, 'POST', '/api/orchestration/triggers', { event: type, workflowID: workflow.body.data.id });
    expect(created.status).toBe(201);
    const triggerId: string = created.body.data.id;

    const publish = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const id = randomUUID();
        const envelope: EventEnvelope = { id, idempotency_key: id, date: new Date().toISOString(), app: 'replicas', version: 'v1', type, payload: { i } };
        await nc.jetstream().publish(eventSubject(cluster.namespace, 'replicas', 'v1', type), sc.encode(JSON.stringify(envelope)), { msgID: id });
      }
    };
    const occurrences = async () =>
      Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM triggers.occurrences WHERE trigger_id = $1', [triggerId])).rows[0].n);

    // Created through one replica, published right away (before any replica reads the type's
    // durable): every event fires, whichever matcher gets it.
    await publish(30);
    await eventually(async () => (await occurrences()) === 30, { timeoutMs: 60_000, what: '30 occurrences' });
    // Both replicas read that durable (each keeps a pull request open).
    await eventually(async () => ((await matchingDurableOf(jsm, cluster.namespace, type))?.num_waiting ?? 0) >= 2, {
      timeoutMs: 30_000,
      what: 'two pull subscribers on the type\'s durable',
    });

    // Deleted through the other gateway (either triggers replica answers): the durable goes, no later event fires.
    expect((await call(b, token, 'DELETE', `/api/orchestration/triggers/${triggerId}`)).status).toBe(204);
    await publish(30);
    await eventually(async () => (await matchingDurableOf(jsm, cluster.namespace, type)) === undefined, { timeoutMs: 30_000, what: 'the type\'s durable deleted' });
    expect(await occurrences()).toBe(30);
  });
});
