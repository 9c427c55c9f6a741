import { randomUUID } from 'node:crypto';
import { AckPolicy, DeliverPolicy, JetStreamManager, NatsConnection, StringCodec } from 'nats';
import { DataSource } from 'typeorm';
import { EventEnvelope, eventsStreamName, eventsSubjectRoot, eventSubject, Trigger } from '@wfp/contracts';
import { eventually, matchingDurableOf, matchingDurables, unwrap } from '@wfp/testing';
import { TriggersService } from '../formance/triggers.service';
import { FakeOrchestrator } from '../../test/fake-orchestrator';
import { startTriggersUnderTest, TriggersUnderTest } from '../../test/triggers-under-test';
import { LEGACY_MATCHING_DURABLE, matchedTypes, matchingDurableName } from './matching-sources';

describe('the matcher reads only the event types some trigger matches (real Postgres + NATS/JetStream)', () => {
  let under: TriggersUnderTest;
  let namespace: string;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let orchestrator: FakeOrchestrator;
  let triggers: TriggersService;
  let db: DataSource;
  const sc = StringCodec();

  beforeAll(async () => {
    under = await startTriggersUnderTest('triggers_sources', { TRIGGERS_SOURCES_REFRESH_MS: '1000' });
    ({ nc, orchestrator, namespace } = under);
    jsm = await nc.jetstreamManager();
    triggers = under.app.get(TriggersService);
    db = under.app.get(DataSource);
  });

  afterAll(async () => {
    await under?.stop();
  });

  async function publish(type: string, payload: Record<string, unknown> = {}): Promise<EventEnvelope> {
    const id = randomUUID();
    const envelope: EventEnvelope = { id, idempotency_key: id, date: new Date().toISOString(), app: 'tests', version: 'v1', type, payload };
    await nc.jetstream().publish(eventSubject(namespace, 'tests', 'v1', type), sc.encode(JSON.stringify(envelope)), { msgID: id });
    return envelope;
  }

  const createTrigger = async (event: string, extra: Record<string, unknown> = {}): Promise<Trigger> =>
    unwrap(await triggers.create({ event, workflowID: orchestrator.addWorkflow().id, ...extra }));
  const firedEvents = async (triggerId: string): Promise<string[]> =>
    unwrap(await triggers.listOccurrences(triggerId)).map((o) => String((o.event as { id?: string } | undefined)?.id ?? ''));
  const durableOf = (type: string) => matchingDurableOf(jsm, namespace, type);

  it('has one durable per matched type, filtered on that type only; other types are never delivered to it', async () => {
    const trigger = await createTrigger('sources.only');
    await publish('sources.other');
    const matched = await publish('sources.only');
    await eventually(async () => (await firedEvents(trigger.id)).length === 1, { what: 'the matched event fired' });
    expect(await firedEvents(trigger.id)).toEqual([matched.id]);
    const durable = await durableOf('sources.only');
    expect(durable?.name).toBe(matchingDurableName('sources.only'));
    expect(durable?.config.filter_subject).toBe(`${eventsSubjectRoot(namespace)}.*.*.sources.only`);
    expect(durable?.delivered.consumer_seq).toBe(1);
    expect(await durableOf('sources.other')).toBeUndefined();
  });

  it('reads a new type\'s durable before the create answers (no refresh delay for the first events)', async () => {
    const trigger = await createTrigger('sources.at-once');
    expect((await durableOf('sources.at-once'))?.num_waiting).toBeGreaterThanOrEqual(1);
    const event = await publish('sources.at-once');
    await eventually(async () => (await firedEvents(trigger.id)).length === 1, { what: 'the event fired' });
    expect(await firedEvents(trigger.id)).toEqual([event.id]);
  });

  it('a trigger created on another replica fires on every event published from its creation on (before this replica reads its durable), none from before', async () => {
    const before = await Promise.all([1, 2, 3].map(() => publish('sources.new')));
    // What a create on another replica leaves: the row with the stream position, the generation bumped.
    const [{ id }]: Array<{ id: string }> = await db.query(
      `INSERT INTO triggers.triggers (id, event, workflow_id, created_at, stream_seq) VALUES (gen_random_uuid(), 'sources.new', $1, now(), $2) RETURNING id`,
      [orchestrator.addWorkflow().id, (await jsm.streams.info(eventsStreamName(namespace))).state.last_seq],
    );
    await db.query(`UPDATE triggers.generation SET value = value + 1 WHERE id = 1`);
    const after = [];
    for (let i = 0; i < 20; i++) after.push(await publish('sources.new', { i }));
    await eventually(async () => (await firedEvents(id)).length === 20, { what: '20 occurrences' });
    const fired = new Set(await firedEvents(id));
    expect(after.every((e) => fired.has(e.id))).toBe(true);
    expect(before.some((e) => fired.has(e.id))).toBe(false);
  });

  it('deletes the durable of a type whose last trigger is deleted; a new trigger of the type starts a new one at its creation', async () => {
    const first = await createTrigger('sources.gone');
    await publish('sources.gone');
    await eventually(async () => (await firedEvents(first.id)).length === 1, { what: 'the first trigger fired' });
    unwrap(await triggers.delete(first.id));
    await eventually(async () => (await durableOf('sources.gone')) === undefined, { what: 'the durable deleted' });
    const between = await publish('sources.gone');
    const second = await createTrigger('sources.gone');
    const later = await publish('sources.gone');
    await eventually(async () => (await firedEvents(second.id)).length === 1, { what: 'the second trigger fired' });
    expect(await firedEvents(second.id)).toEqual([later.id]);
    expect(await firedEvents(first.id)).toHaveLength(1);
    expect(await firedEvents(second.id)).not.toContain(between.id);
  });

  it('adds the lifecycle types flow control follows: instance ends for any policy, stage starts for hold: active', async () => {
    expect((await matchedTypes(db)).map((t) => t.type)).not.toContain('SUCCEEDED_WORKFLOW');
    await createTrigger('sources.policy', { policy: { concurrency: [{ limit: 2 }] } });
    const withPolicy = (await matchedTypes(db)).map((t) => t.type);
    expect(withPolicy).toEqual(expect.arrayContaining(['sources.policy', 'SUCCEEDED_WORKFLOW', 'FAILED_WORKFLOW']));
    expect(withPolicy).not.toContain('STARTED_WORKFLOW_STAGE');
    await createTrigger('sources.active', { policy: { concurrency: [{ limit: 2, hold: 'active' }] } });
    expect((await matchedTypes(db)).map((t) => t.type)).toContain('STARTED_WORKFLOW_STAGE');
    await eventually(async () => (await durableOf('SUCCEEDED_WORKFLOW')) !== undefined && (await durableOf('STARTED_WORKFLOW_STAGE')) !== undefined, {
      what: 'the lifecycle durables',
    });
  });

  it('takes over from the catch-all durable of earlier versions at its acknowledged position, then deletes it', async () => {
    const stream = eventsStreamName(namespace);
    await jsm.consumers.add(stream, {
      durable_name: LEGACY_MATCHING_DURABLE,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      filter_subject: `${eventsSubjectRoot(namespace)}.>`,
    });
    // The earlier version applied (acked) these…
    const applied = await Promise.all([1, 2, 3].map(() => publish('sources.legacy')));
    const legacy = await nc.jetstream().consumers.get(stream, LEGACY_MATCHING_DURABLE);
    for (let i = 0; i < applied.length; i++) {
      const msg = await legacy.next({ expires: 5000 });
      await msg!.ackAck();
    }
    // …but not these.
    const pending = await Promise.all([1, 2].map(() => publish('sources.legacy')));
    // A trigger of that version: no stream_seq.
    const [{ id }]: Array<{ id: string }> = await db.query(
      `INSERT INTO triggers.triggers (id, event, workflow_id, created_at) VALUES (gen_random_uuid(), 'sources.legacy', $1, now()) RETURNING id`,
      [orchestrator.addWorkflow().id],
    );
    await db.query(`UPDATE triggers.generation SET value = value + 1 WHERE id = 1`);

    await eventually(async () => (await firedEvents(id)).length === 2, { what: 'the unacknowledged events fired' });
    expect(new Set(await firedEvents(id))).toEqual(new Set(pending.map((e) => e.id)));
    const legacyGone = async () => jsm.consumers.info(stream, LEGACY_MATCHING_DURABLE).then(() => false, () => true);
    await eventually(legacyGone, { what: 'the catch-all durable deleted' });
    expect((await matchingDurables(jsm, namespace)).map((d) => d.name)).toContain(matchingDurableName('sources.legacy'));
    const [{ stream_seq }]: Array<{ stream_seq: string | null }> = await db.query(`SELECT stream_seq FROM triggers.triggers WHERE id = $1`, [id]);
    expect(stream_seq).not.toBeNull();
  });
});
