import { randomUUID } from 'node:crypto';
import { connect, NatsConnection, StringCodec } from 'nats';
import { eventsStreamName, eventSubject } from '@wfp/contracts';
import { ensureEventsStream, isTransientPublishError, publishWithRetry } from '@wfp/platform';
import { createTestNamespace, removeTestNamespace, testNatsUrl } from '@wfp/testing';

/** JetStream publishes retried while no stream can acknowledge them (as during a leader election). */
describe('publishWithRetry (real NATS)', () => {
  let nc: NatsConnection;
  let namespace: string;
  const sc = StringCodec();

  beforeAll(async () => {
    nc = await connect({ servers: testNatsUrl() });
    namespace = createTestNamespace('pubretry');
  });

  afterAll(async () => {
    await nc?.close();
    await removeTestNamespace(namespace);
  });

  it('retries while nothing acknowledges, succeeds once the stream answers, and stores the event once', async () => {
    const subject = eventSubject(namespace, 'tests', 'v1', 'retry.me');
    const id = randomUUID();
    // No stream yet: the server answers "no responders" at once (what a leaderless stream looks like).
    const pending = publishWithRetry(nc.jetstream(), subject, sc.encode('{}'), { msgID: id, timeout: 500 }, { budgetMs: 20_000, firstPauseMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await ensureEventsStream(await nc.jetstreamManager(), namespace);
    const ack = await pending;
    expect(ack.duplicate).toBe(false);
    // The same msg id again: dropped by the duplicate window.
    const again = await publishWithRetry(nc.jetstream(), subject, sc.encode('{}'), { msgID: id }, { budgetMs: 5000 });
    expect(again.duplicate).toBe(true);
    const info = await (await nc.jetstreamManager()).streams.info(eventsStreamName(namespace));
    expect(info.state.messages).toBe(1);
  });

  it('gives up after its budget with the last error, and does not retry a closed connection', async () => {
    const subject = eventSubject(`${namespace}_none`, 'tests', 'v1', 'nowhere');
    const started = Date.now();
    await expect(
      publishWithRetry(nc.jetstream(), subject, sc.encode('{}'), { msgID: randomUUID(), timeout: 300 }, { budgetMs: 1000, firstPauseMs: 50 }),
    ).rejects.toMatchObject({ code: '503' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(isTransientPublishError({ code: 'CONNECTION_CLOSED' })).toBe(false);
    expect(isTransientPublishError({ code: 'TIMEOUT' })).toBe(true);
  });
});
