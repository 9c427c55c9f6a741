import { connect, NatsConnection } from 'nats';
import { eventsStreamName } from '@wfp/contracts';
import { ensureEventsStream, natsClientOptions, sharedSecret } from '@wfp/platform';
import { createTestNamespace, NatsCluster } from '@wfp/testing';

/** Streams and KV buckets on a real 3-node JetStream cluster (own nats-server processes). */
describe('on a 3-node NATS cluster', () => {
  let cluster: NatsCluster;
  const connections: NatsConnection[] = [];

  beforeAll(async () => {
    cluster = await NatsCluster.start({ label: 'spec' });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
    await cluster?.stop();
  });

  async function client(): Promise<NatsConnection> {
    const nc = await connect(natsClientOptions(cluster.servers, 'spec'));
    connections.push(nc);
    return nc;
  }

  it('creates the events stream with NATS_STREAM_REPLICAS copies, and scales an R1 stream up (never down)', async () => {
    const jsm = await (await client()).jetstreamManager();
    const namespace = createTestNamespace('r3');
    await ensureEventsStream(jsm, namespace, 1);
    expect((await jsm.streams.info(eventsStreamName(namespace))).config.num_replicas).toBe(1);
    await ensureEventsStream(jsm, namespace, 3);
    const info = await jsm.streams.info(eventsStreamName(namespace));
    expect(info.config.num_replicas).toBe(3);
    await ensureEventsStream(jsm, namespace, 1);
    expect((await jsm.streams.info(eventsStreamName(namespace))).config.num_replicas).toBe(3);
  });

  it('gives every replica the same generated secret, even when they all start at once', async () => {
    const namespace = createTestNamespace('kv');
    const clients = await Promise.all([client(), client(), client(), client()]);
    const secrets = await Promise.all(clients.map((nc) => sharedSecret(nc, namespace, 'FORMANCE_AUTH_SIGNING_SECRET', 3)));
    expect(new Set(secrets).size).toBe(1);
    expect(secrets[0]).toMatch(/^[0-9a-f]{64}$/);
    // A later start reads the same one; another key gets its own.
    expect(await sharedSecret(clients[0], namespace, 'FORMANCE_AUTH_SIGNING_SECRET', 3)).toBe(secrets[0]);
    expect(await sharedSecret(clients[1], namespace, 'ORCHESTRATION_CURSOR_SECRET', 3)).not.toBe(secrets[0]);
  });
});
