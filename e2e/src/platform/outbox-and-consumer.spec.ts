import { connect, NatsConnection, StringCodec } from 'nats';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { EventEnvelope, eventSubject } from '@wfp/contracts';
import { createTestDatabase, createTestNamespace, eventually, removeTestNamespace, TestDatabase, testNatsUrl } from '@wfp/testing';
import { ensureEventsStream } from '@wfp/platform';
import { createInboxTablesSql, createOutboxTableSql } from '@wfp/platform';
import { buildEnvelope, enqueueEvent } from '@wfp/platform';
import { OutboxRelay } from '@wfp/platform';
import { DurableConsumer } from '@wfp/platform';

const SCHEMA = 'messaging_test';
const logger = pino({ level: 'silent' });

describe('transactional outbox → JetStream → durable consumer (real Postgres and NATS)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let nc: NatsConnection;
  let namespace: string;
  let stream: string;
  let relay: OutboxRelay;

  beforeAll(async () => {
    database = await createTestDatabase('messaging');
    dataSource = new DataSource({ type: 'postgres', url: database.url });
    await dataSource.initialize();
    await dataSource.query(`CREATE SCHEMA ${SCHEMA}`);
    for (const sql of [...createOutboxTableSql(SCHEMA), ...createInboxTablesSql(SCHEMA)]) await dataSource.query(sql);
    await dataSource.query(`CREATE TABLE ${SCHEMA}.effects (event_id text NOT NULL, note text)`);
    nc = await connect({ servers: testNatsUrl() });
    namespace = createTestNamespace('messaging');
    stream = await ensureEventsStream(await nc.jetstreamManager(), namespace);
    relay = new OutboxRelay({ dataSource, schema: SCHEMA, js: nc.jetstream(), namespace, logger, pollIntervalMs: 50 });
    relay.start();
  });

  afterAll(async () => {
    await relay?.stop();
    await nc?.close();
    await dataSource?.destroy();
    await database?.drop();
    await removeTestNamespace(namespace);
  });

  async function streamMessages(subject: string): Promise<EventEnvelope[]> {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(stream);
    const found: EventEnvelope[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
      if (msg && msg.subject === subject) found.push(msg.json<EventEnvelope>());
    }
    return found;
  }

  it('publishes an event only when its transaction commits, with the outbox id as Nats-Msg-Id', async () => {
    const committed = await dataSource.transaction((manager) =>
      enqueueEvent(manager, SCHEMA, { app: 'tests', version: 'v1', type: 'thing.committed', payload: { n: 1 } }),
    );
    await dataSource
      .transaction(async (manager) => {
        await enqueueEvent(manager, SCHEMA, { app: 'tests', version: 'v1', type: 'thing.rolled_back', payload: {} });
        throw new Error('abort the transaction');
      })
      .catch(() => undefined);
    relay.nudge();

    const subject = eventSubject(namespace, 'tests', 'v1', 'thing.committed');
    const published = await eventually(async () => {
      const messages = await streamMessages(subject);
      return messages.length > 0 ? messages : undefined;
    }, { what: 'the committed event on the stream' });
    expect(published).toEqual([committed]);
    expect(await streamMessages(eventSubject(namespace, 'tests', 'v1', 'thing.rolled_back'))).toEqual([]);
    const [row] = await dataSource.query(`SELECT published_at FROM ${SCHEMA}.outbox WHERE id = $1`, [committed.id]);
    expect(row.published_at).not.toBeNull();
  });

  it('applies each event once even when it is published twice, retries failures and dead-letters poison', async () => {
    const attempts = new Map<string, number>();
    const consumer = new DurableConsumer({
      js: nc.jetstream(),
      jsm: await nc.jetstreamManager(),
      dataSource,
      schema: SCHEMA,
      stream,
      name: 'effects-writer',
      filterSubject: `${namespace}.events.tests.v1.work.>`,
      logger,
      maxDeliver: 3,
      backoffMs: [50],
      handler: async (envelope, manager) => {
        attempts.set(envelope.id, (attempts.get(envelope.id) ?? 0) + 1);
        if (envelope.payload.fail === 'always') throw new Error('this event cannot be handled');
        if (envelope.payload.fail === 'once' && attempts.get(envelope.id) === 1) throw new Error('transient');
        await manager.query(`INSERT INTO ${SCHEMA}.effects (event_id, note) VALUES ($1, $2)`, [envelope.id, envelope.type]);
      },
    });
    await consumer.start();
    try {
      const js = nc.jetstream();
      const sc = StringCodec();
      const publish = (envelope: EventEnvelope, msgID?: string) =>
        js.publish(eventSubject(namespace, envelope.app, envelope.version, envelope.type), sc.encode(JSON.stringify(envelope)), {
          msgID,
        });
      const ok = buildEnvelope({ app: 'tests', version: 'v1', type: 'work.ok', payload: {} });
      const flaky = buildEnvelope({ app: 'tests', version: 'v1', type: 'work.flaky', payload: { fail: 'once' } });
      const poison = buildEnvelope({ app: 'tests', version: 'v1', type: 'work.poison', payload: { fail: 'always' } });
      await publish(ok, 'first-copy');
      await publish(ok, 'second-copy'); // a re-publish outside broker dedupe: same event id
      await publish(flaky);
      await publish(poison);
      await js.publish(`${namespace}.events.tests.v1.work.garbage`, sc.encode('{not json'));

      const effects = await eventually(async () => {
        const rows: { event_id: string; note: string }[] = await dataSource.query(
          `SELECT event_id, note FROM ${SCHEMA}.effects ORDER BY note`,
        );
        return rows.length >= 2 ? rows : undefined;
      }, { what: 'effects of the good events' });
      const deadLetters = await eventually(async () => {
        const rows: { subject: string; reason: string; deliveries: number }[] = await dataSource.query(
          `SELECT subject, reason, deliveries FROM ${SCHEMA}.dead_letters WHERE consumer = 'effects-writer' ORDER BY subject`,
        );
        return rows.length >= 2 ? rows : undefined;
      }, { what: 'the dead letters', timeoutMs: 15_000 });

      expect(effects).toEqual([
        { event_id: flaky.id, note: 'work.flaky' },
        { event_id: ok.id, note: 'work.ok' },
      ]);
      expect(attempts.get(flaky.id)).toBe(2);
      expect(attempts.get(poison.id)).toBe(3);
      expect(deadLetters).toEqual([
        { subject: `${namespace}.events.tests.v1.work.garbage`, reason: expect.stringContaining('invalid event envelope'), deliveries: 1 },
        { subject: `${namespace}.events.tests.v1.work.poison`, reason: 'this event cannot be handled', deliveries: 3 },
      ]);
      const inbox = await dataSource.query(`SELECT event_id FROM ${SCHEMA}.inbox WHERE consumer = 'effects-writer'`);
      expect(inbox.map((r: { event_id: string }) => r.event_id).sort()).toEqual([flaky.id, ok.id].sort());
    } finally {
      await consumer.stop();
    }
  }, 30_000);

  it('a claim does not re-read the rows published before it (the unpublished-rows index is walked in order, its published entries marked dead)', async () => {
    // No autovacuum: only the claims themselves can keep the published rows out of later claims.
    await dataSource.query(`ALTER TABLE ${SCHEMA}.outbox SET (autovacuum_enabled = false)`);
    const unpublished = async () => Number((await dataSource.query(`SELECT count(*) AS n FROM ${SCHEMA}.outbox WHERE published_at IS NULL`))[0].n);
    const entriesRead = async () =>
      Number((await dataSource.query(`SELECT idx_tup_read AS n FROM pg_stat_user_indexes WHERE schemaname = $1 AND indexrelname = 'outbox_unpublished_idx'`, [SCHEMA]))[0].n);
    await dataSource.transaction(async (manager) => {
      for (let i = 0; i < 3000; i++) await enqueueEvent(manager, SCHEMA, { app: 'tests', version: 'v1', type: 'thing.bulk', payload: { i } });
    });
    relay.nudge();
    await eventually(async () => (await unpublished()) === 0, { timeoutMs: 30_000, what: 'the 3000 rows published' });
    // Index statistics reach the shared counters within a second of each backend's last query.
    const settled = async () => {
      let last = -1;
      return eventually(async () => {
        const now = await entriesRead();
        const same = now === last;
        last = now;
        return same ? now : undefined;
      }, { intervalMs: 1500, timeoutMs: 20_000, what: 'index statistics settled' });
    };
    const before = await settled();
    // 200 more events, each its own transaction and claim: each claim must skip the 3000 published rows' entries.
    for (let i = 0; i < 200; i++) {
      await dataSource.transaction((manager) => enqueueEvent(manager, SCHEMA, { app: 'tests', version: 'v1', type: 'thing.single', payload: { i } }));
      relay.nudge();
      await eventually(async () => (await unpublished()) === 0, { what: `event ${i} published` });
    }
    const read = (await settled()) - before;
    // A claim re-reading the published entries reads ≥ 3000 per claim (≥ 600,000 here); walking
    // the index in order reads each entry about once (~3,500 on a quiet machine; more when other
    // transactions keep the latest entries from being marked dead for a while).
    expect(read).toBeLessThan(60_000);
  }, 120_000);
});
