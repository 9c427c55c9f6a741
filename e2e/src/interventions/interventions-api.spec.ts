import { connect, NatsConnection, StringCodec } from 'nats';
import { ObjectId } from 'bson';
import { Client } from 'pg';
import { eventSubject } from '@wfp/contracts';
import { eventually, OpenApiResponseValidator, PlatformUnderTest, testNatsUrl, itConformsToVendorSpec } from '@wfp/testing';
import { apiClient, customerMessage, Res, seed, SEED, specErrors, streamEvents } from './helpers';

const SECOND_PRECISION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
/** The keys of a freshly opened intervention: the unset ones (closed_at, deferred_at, detected_language, replies) are absent. */
const OPENED_INTERVENTION_KEYS = [
  'id', 'category_ids', 'closed', 'comments_count', 'content_id', 'created_at', 'custom_fields', 'identity_id',
  'identity_group_id', 'source_id', 'status', 'thread_id', 'updated_at',
  'user_id', 'user_replies_count', 'user_reply_in_average', 'user_reply_in_average_bh', 'user_reply_in_average_count',
];
const UNSET_WHEN_OPENED = [
  'closed_at', 'deferred_at', 'detected_language', 'first_user_reply_id', 'first_user_reply_in', 'first_user_reply_in_bh',
  'last_user_reply_in', 'last_user_reply_in_bh',
];

/** Keys whose value is null, in an intervention body (custom field values may be null by design). */
function nullKeys(body: Record<string, unknown>): string[] {
  return Object.entries(body).filter(([, v]) => v === null).map(([k]) => k);
}

describe('Engage Digital Interventions API (/1.0) → interventions service', () => {
  let platform: PlatformUnderTest;
  let validator: OpenApiResponseValidator;
  let nc: NatsConnection;
  let call: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({ label: 'interventions', services: ['interventions', 'gateway'] });
    expect(seed(platform.database.url)).toContain('alice-token');
    seed(platform.database.url); // idempotent: a second run must not duplicate
    const db = new Client({ connectionString: platform.database.url });
    await db.connect();
    const counts = await db.query(`SELECT (SELECT count(*) FROM interventions.users)::int AS users, (SELECT count(*) FROM interventions.contents)::int AS contents`);
    await db.end();
    // 4 seeded users + the built-in system user automations act as (migration).
    expect(counts.rows[0]).toEqual({ users: 5, contents: 3 });
    validator = await OpenApiResponseValidator.load('engage');
    nc = await connect({ servers: testNatsUrl() });
    call = apiClient(platform.url);
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await platform?.stop();
  });

  function expectSpec(method: string, path: string, res: Res): void {
    expect(res.status).toBe(200);
    expect(specErrors(validator, method, path, res.body)).toEqual([]);
  }

  function expectError(res: Res, status: number, error: string): void {
    expect(res.status).toBe(status);
    expect(res.body).toEqual(expect.objectContaining({ error, status, message: expect.any(String) }));
    if (status === 422) expect(res.body.errors).toEqual([expect.objectContaining({ attribute: expect.any(String), message: expect.any(String) })]);
    else expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'status']);
  }

  async function open(token = SEED.alice.token, sourceId = SEED.twitter): Promise<Res & { contentId: string; threadId: string }> {
    const { contentId, threadId } = await customerMessage(platform.database.url, sourceId);
    const res = await call('POST', '/interventions', { token, form: `content_id=${contentId}` });
    expectSpec('post', '/interventions', res);
    return { ...res, contentId, threadId };
  }

  async function reply(contentId: string, token = SEED.alice.token): Promise<Res> {
    return call('POST', '/contents', { token, form: `in_reply_to_id=${contentId}&body=${encodeURIComponent('On it!')}` });
  }

  describe('authentication', () => {
    it('answers 403 invalid_access_token without a token, with an unknown one, or for a disabled user', async () => {
      expectError(await call('GET', '/interventions'), 403, 'invalid_access_token');
      expectError(await call('GET', '/interventions', { token: 'nope' }), 403, 'invalid_access_token');
      expectError(await call('GET', '/interventions', { bearer: 'nope' }), 403, 'invalid_access_token');
      expectError(await call('GET', '/interventions', { token: SEED.disabled.token }), 403, 'invalid_access_token');
    });

    it('accepts the token as access_token parameter or Authorization: Bearer', async () => {
      expect((await call('GET', '/interventions', { token: SEED.alice.token })).status).toBe(200);
      expect((await call('GET', '/interventions', { bearer: SEED.alice.token })).status).toBe(200);
    });

    it('answers 404 not_found for an unknown route under /1.0', async () => {
      expectError(await call('GET', '/nothing-here', { token: SEED.alice.token }), 404, 'not_found');
    });
  });

  describe('create (open and reopen)', () => {
    it('opens an intervention as the token user, unset fields absent (not null), and publishes intervention.opened', async () => {
      const res = await open();
      const body = res.body;
      expect(Object.keys(body).sort()).toEqual([...OPENED_INTERVENTION_KEYS].sort());
      for (const key of UNSET_WHEN_OPENED) expect(body).not.toHaveProperty(key);
      expect(nullKeys(body)).toEqual([]);
      expect(body).toMatchObject({
        content_id: res.contentId,
        thread_id: res.threadId,
        source_id: SEED.twitter,
        identity_id: SEED.carol,
        identity_group_id: SEED.carolGroup,
        user_id: SEED.alice.id,
        closed: false,
        category_ids: [],
        custom_fields: {},
        user_replies_count: 0,
        status: 'Opened',
      });
      expect(body.id).toMatch(/^[0-9a-f]{24}$/);
      expect(body.created_at).toMatch(SECOND_PRECISION);
      const events = await eventually(async () => {
        const found = (await streamEvents(nc, platform.namespace, 'intervention.opened')).filter((e) => e.payload.id === body.id);
        return found.length ? found : undefined;
      }, { what: 'intervention.opened in the stream' });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ app: 'interventions', version: 'v1', type: 'intervention.opened' });
      expect(events[0].payload).toEqual({
        id: body.id,
        source_id: SEED.twitter,
        thread_id: res.threadId,
        user_id: SEED.alice.id,
        identity_id: SEED.carol,
        category_ids: [],
        closed_at: null,
        deferred_at: null,
        custom_field_values: {},
        acting_user_id: SEED.alice.id,
      });
    });

    it('accepts content_id in the query string and in a JSON body too', async () => {
      const a = await customerMessage(platform.database.url);
      expect((await call('POST', '/interventions', { token: SEED.alice.token, query: `content_id=${a.contentId}` })).status).toBe(200);
      const b = await customerMessage(platform.database.url);
      expect((await call('POST', '/interventions', { token: SEED.alice.token, json: { content_id: b.contentId } })).status).toBe(200);
    });

    it('answers 422 when the content is already under an open intervention or is an agent reply', async () => {
      const first = await open();
      expectError(await call('POST', '/interventions', { token: SEED.bob.token, form: `content_id=${first.contentId}` }), 422, 'validation_error');
      const replied = await reply(first.contentId);
      expect(replied.status).toBe(200);
      expectError(await call('POST', '/interventions', { token: SEED.alice.token, form: `content_id=${replied.body.id}` }), 422, 'validation_error');
    });

    it('answers 422 without content_id and 404 for an unknown, malformed or unreadable content', async () => {
      expectError(await call('POST', '/interventions', { token: SEED.alice.token }), 422, 'validation_error');
      expectError(await call('POST', '/interventions', { token: SEED.alice.token, form: `content_id=${new ObjectId().toHexString()}` }), 404, 'not_found');
      expectError(await call('POST', '/interventions', { token: SEED.alice.token, form: 'content_id=xyz' }), 404, 'not_found');
      expectError(await call('POST', '/interventions', { token: SEED.alice.token, form: `content_id=${SEED.vipContent}` }), 404, 'not_found');
    });

    it('reopens the closed intervention of the thread and identity (intervention.reopened)', async () => {
      const opened = await open();
      expect((await reply(opened.contentId)).status).toBe(200);
      expectSpec('put', '/interventions/{interventionId}/close', await call('PUT', `/interventions/${opened.body.id}/close`, { token: SEED.alice.token }));
      const reopened = await call('POST', '/interventions', { token: SEED.bob.token, form: `content_id=${opened.contentId}` });
      expectSpec('post', '/interventions', reopened);
      expect(reopened.body).toMatchObject({ id: opened.body.id, closed: false, status: 'Reopened', user_id: SEED.bob.id });
      expect(reopened.body).not.toHaveProperty('closed_at');
      expect(reopened.body.first_user_reply_id).toEqual(expect.any(String));
      const list = await call('GET', '/interventions', { token: SEED.bob.token, query: `status=reopened&thread_id=${opened.threadId}` });
      expect(list.body.records.map((r: { id: string }) => r.id)).toEqual([opened.body.id]);
      await eventually(async () => (await streamEvents(nc, platform.namespace, 'intervention.reopened')).some((e) => e.payload.id === opened.body.id), {
        what: 'intervention.reopened',
      });
    });
  });

  describe('get and permission hiding', () => {
    it('returns a visible intervention and 404 to a user without read on its source (also missing from lists)', async () => {
      const vip = await open(SEED.supervisor.token, SEED.vip);
      expectSpec('get', '/interventions/{interventionId}', await call('GET', `/interventions/${vip.body.id}`, { token: SEED.supervisor.token }));
      expectError(await call('GET', `/interventions/${vip.body.id}`, { token: SEED.alice.token }), 404, 'not_found');
      for (const [method, path] of [['PUT', 'close'], ['DELETE', 'cancel'], ['PUT', 'update_categories']] as const) {
        expectError(await call(method, `/interventions/${vip.body.id}/${path}`, { token: SEED.alice.token }), 404, 'not_found');
      }
      const aliceList = await call('GET', '/interventions', { token: SEED.alice.token, query: 'limit=150' });
      expect(aliceList.body.records.some((r: { id: string }) => r.id === vip.body.id)).toBe(false);
      expect(aliceList.body.records.every((r: { source_id: string }) => r.source_id === SEED.twitter)).toBe(true);
      const supervisorList = await call('GET', '/interventions', { token: SEED.supervisor.token, query: 'limit=150' });
      expect(supervisorList.body.records.some((r: { id: string }) => r.id === vip.body.id)).toBe(true);
    });

    it('answers 404 for unknown and malformed ids', async () => {
      expectError(await call('GET', `/interventions/${new ObjectId().toHexString()}`, { token: SEED.alice.token }), 404, 'not_found');
      expectError(await call('GET', '/interventions/not-an-id', { token: SEED.alice.token }), 404, 'not_found');
    });
  });

  describe('list: filters and pagination', () => {
    it('counts the total, pages with offset/limit, sorts descending and filters', async () => {
      const mine = [await open(SEED.bob.token), await open(SEED.bob.token), await open(SEED.bob.token)];
      const all = await call('GET', '/interventions', { token: SEED.bob.token, query: `user_id=${SEED.bob.id}` });
      expectSpec('get', '/interventions', all);
      expect(all.body).toMatchObject({ offset: 0, limit: 30 });
      expect(all.body.count).toBeGreaterThanOrEqual(3);
      const page = await call('GET', '/interventions', { token: SEED.bob.token, query: `user_id=${SEED.bob.id}&offset=1&limit=2` });
      expect(page.body).toMatchObject({ count: all.body.count, offset: 1, limit: 2 });
      expect(page.body.records.map((r: { id: string }) => r.id)).toEqual(all.body.records.slice(1, 3).map((r: { id: string }) => r.id));
      const created = all.body.records.map((r: { created_at: string }) => r.created_at);
      expect([...created].sort().reverse()).toEqual(created);

      const byThread = await call('GET', '/interventions', { token: SEED.bob.token, query: `thread_id=${mine[1].threadId}` });
      expect(byThread.body.records.map((r: { id: string }) => r.id)).toEqual([mine[1].body.id]);
      const byIdentity = await call('GET', '/interventions', { token: SEED.bob.token, query: `identity_id[]=${SEED.carol}&identity_id[]=${SEED.dave}&limit=150` });
      expect(byIdentity.body.records.length).toBeGreaterThan(0);
      const byGroup = await call('GET', '/interventions', { token: SEED.bob.token, query: `identity_group_id=${SEED.carolGroup}` });
      expect(byGroup.body.count).toBe(byIdentity.body.count);
      const none = await call('GET', '/interventions', { token: SEED.bob.token, query: `identity_id=${new ObjectId().toHexString()}` });
      expect(none.body).toMatchObject({ count: 0, records: [] });
      const closed = await call('GET', '/interventions', { token: SEED.bob.token, query: `status=closed&user_id=${SEED.bob.id}` });
      expect(closed.body.records.every((r: { closed: boolean }) => r.closed)).toBe(true);
      const active = await call('GET', '/interventions', { token: SEED.bob.token, query: `status=active&user_id=${SEED.bob.id}&sort=updated_at` });
      expect(active.body.records.every((r: { closed: boolean }) => !r.closed)).toBe(true);
    });

    it('caps limit at 150 and rejects bad pagination and filter values with 422', async () => {
      const capped = await call('GET', '/interventions', { token: SEED.alice.token, query: 'limit=1000' });
      expect(capped.body.limit).toBe(150);
      for (const query of ['limit=0', 'limit=-1', 'limit=abc', 'offset=-1', 'offset=1.5', 'status=bogus', 'sort=name', 'thread_id=123', 'identity_id[]=zz', 'user_id[k]=x']) {
        expectError(await call('GET', '/interventions', { token: SEED.alice.token, query }), 422, 'validation_error');
      }
    });

    it('takes the last value of a duplicated scalar parameter (as Rails does)', async () => {
      const res = await call('GET', '/interventions', { token: SEED.alice.token, query: 'limit=5&limit=7' });
      expect(res.body.limit).toBe(7);
    });
  });

  describe('replies, close and cancel', () => {
    it('counts agent replies on the open intervention', async () => {
      const opened = await open();
      const r = await reply(opened.contentId);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ in_reply_to_id: opened.contentId, intervention_id: opened.body.id, author_id: SEED.alice.id });
      const after = await call('GET', `/interventions/${opened.body.id}`, { token: SEED.alice.token });
      expect(after.body).toMatchObject({ user_replies_count: 1, first_user_reply_id: r.body.id, user_reply_in_average_count: 1 });
      expect(after.body.first_user_reply_in).toBeGreaterThanOrEqual(60);
      expectError(await reply(new ObjectId().toHexString()), 404, 'not_found');
      expectError(await call('POST', '/contents', { token: SEED.alice.token, form: `in_reply_to_id=${opened.contentId}` }), 422, 'validation_error');
    });

    it('closes only with an agent reply, by the owner or an edit-all user; a closed one cannot be closed again', async () => {
      const opened = await open();
      const id = opened.body.id;
      expectError(await call('PUT', `/interventions/${id}/close`, { token: SEED.alice.token }), 403, 'forbidden');
      await reply(opened.contentId);
      expectError(await call('PUT', `/interventions/${id}/close`, { token: SEED.bob.token }), 403, 'forbidden');
      const closed = await call('PUT', `/interventions/${id}/close`, { token: SEED.alice.token });
      expectSpec('put', '/interventions/{interventionId}/close', closed);
      expect(closed.body).toMatchObject({ id, closed: true, status: 'Closed' });
      expect(closed.body.closed_at).toMatch(SECOND_PRECISION);
      // Once a close has committed, a repeat gets the rule's answer at once (no clock window).
      expectError(await call('PUT', `/interventions/${id}/close`, { token: SEED.alice.token }), 403, 'forbidden');
      expectError(await call('DELETE', `/interventions/${id}/cancel`, { token: SEED.alice.token }), 403, 'forbidden');
      const event = await eventually(async () => (await streamEvents(nc, platform.namespace, 'intervention.closed')).find((e) => e.payload.id === id), {
        what: 'intervention.closed',
      });
      expect(event.payload).toMatchObject({ closed_at: closed.body.closed_at, acting_user_id: SEED.alice.id });

      const other = await open();
      await reply(other.contentId);
      expect((await call('PUT', `/interventions/${other.body.id}/close`, { token: SEED.supervisor.token })).status).toBe(200);
    });

    it('cancels (destroys) an intervention without replies and returns its last state; 403 once replied', async () => {
      const opened = await open();
      const canceled = await call('DELETE', `/interventions/${opened.body.id}/cancel`, { token: SEED.alice.token });
      expectSpec('delete', '/interventions/{interventionId}/cancel', canceled);
      expect(canceled.body).toMatchObject({ id: opened.body.id, closed: false });
      expectError(await call('GET', `/interventions/${opened.body.id}`, { token: SEED.alice.token }), 404, 'not_found');
      expectError(await call('DELETE', `/interventions/${opened.body.id}/cancel`, { token: SEED.alice.token }), 404, 'not_found');
      await eventually(async () => (await streamEvents(nc, platform.namespace, 'intervention.canceled')).some((e) => e.payload.id === opened.body.id), {
        what: 'intervention.canceled',
      });
      const replied = await open();
      await reply(replied.contentId);
      expectError(await call('DELETE', `/interventions/${replied.body.id}/cancel`, { token: SEED.alice.token }), 403, 'forbidden');
    });

    /** Holds the intervention's row lock through the test's own connection, as a close/cancel in progress would. */
    async function holdingRowLock(id: string, inside: (db: Client) => Promise<void>): Promise<void> {
      const db = new Client({ connectionString: platform.database.url });
      await db.connect();
      try {
        await db.query('BEGIN');
        expect((await db.query(`SELECT 1 FROM interventions.interventions WHERE id = $1 FOR UPDATE`, [id])).rowCount).toBe(1);
        await inside(db);
      } finally {
        await db.query('ROLLBACK').catch(() => undefined);
        await db.end();
      }
    }

    it('close/cancel answer 409 exactly while another transaction holds the row, then the rule once it committed', async () => {
      const opened = await open();
      await reply(opened.contentId);
      const id = opened.body.id;
      await holdingRowLock(id, async (db) => {
        expectError(await call('PUT', `/interventions/${id}/close`, { token: SEED.alice.token }), 409, 'conflict');
        expectError(await call('DELETE', `/interventions/${id}/cancel`, { token: SEED.alice.token }), 409, 'conflict');
        // The holder is a close: it commits.
        await db.query(`UPDATE interventions.interventions SET closed_at = now(), updated_at = now() WHERE id = $1`, [id]);
        await db.query('COMMIT');
      });
      expectError(await call('PUT', `/interventions/${id}/close`, { token: SEED.alice.token }), 403, 'forbidden');
      expectError(await call('DELETE', `/interventions/${id}/cancel`, { token: SEED.alice.token }), 403, 'forbidden');
    });

    it('a lock released without a change lets the next close succeed', async () => {
      const opened = await open();
      await reply(opened.contentId);
      const id = opened.body.id;
      await holdingRowLock(id, async () => {
        expectError(await call('PUT', `/interventions/${id}/close`, { token: SEED.alice.token }), 409, 'conflict');
      });
      expect((await call('PUT', `/interventions/${id}/close`, { token: SEED.alice.token })).status).toBe(200);
    });

    it('a cancel in progress: 409 while it holds the row, 404 once it committed', async () => {
      const opened = await open();
      const id = opened.body.id;
      await holdingRowLock(id, async (db) => {
        expectError(await call('DELETE', `/interventions/${id}/cancel`, { token: SEED.alice.token }), 409, 'conflict');
        expectError(await call('PUT', `/interventions/${id}/close`, { token: SEED.alice.token }), 409, 'conflict');
        await db.query(`UPDATE interventions.contents SET intervention_id = NULL WHERE intervention_id = $1`, [id]);
        await db.query(`DELETE FROM interventions.interventions WHERE id = $1`, [id]);
        await db.query('COMMIT');
      });
      expectError(await call('DELETE', `/interventions/${id}/cancel`, { token: SEED.alice.token }), 404, 'not_found');
      expectError(await call('PUT', `/interventions/${id}/close`, { token: SEED.alice.token }), 404, 'not_found');
    });

    it('two parallel closes: exactly one 200; the other 409 (lock held) or 403 (already closed)', async () => {
      for (let i = 0; i < 3; i++) {
        const opened = await open();
        await reply(opened.contentId);
        const results = await Promise.all([
          call('PUT', `/interventions/${opened.body.id}/close`, { token: SEED.alice.token }),
          call('PUT', `/interventions/${opened.body.id}/close`, { token: SEED.supervisor.token }),
        ]);
        expect(results.filter((r) => r.status === 200)).toHaveLength(1);
        const other = results.find((r) => r.status !== 200)!;
        if (other.status === 409) expectError(other, 409, 'conflict');
        else expectError(other, 403, 'forbidden');
      }
    });

    it('two parallel cancels: exactly one 200; the other 409 (lock held) or 404 (already gone)', async () => {
      for (let i = 0; i < 3; i++) {
        const opened = await open();
        const results = await Promise.all([
          call('DELETE', `/interventions/${opened.body.id}/cancel`, { token: SEED.alice.token }),
          call('DELETE', `/interventions/${opened.body.id}/cancel`, { token: SEED.bob.token }),
        ]);
        expect(results.filter((r) => r.status === 200)).toHaveLength(1);
        expect([404, 409]).toContain(results.find((r) => r.status !== 200)!.status);
      }
    });
  });

  describe('reassign, categorize, custom fields', () => {
    it('reassigns with the update role flag (user_updated + assigned events); 403 without; 422 for unknown/disabled users', async () => {
      const opened = await open();
      const id = opened.body.id;
      expectError(await call('PUT', `/interventions/${id}/reassign`, { token: SEED.alice.token, form: `user_id=${SEED.bob.id}` }), 403, 'forbidden');
      const res = await call('PUT', `/interventions/${id}/reassign`, { token: SEED.supervisor.token, form: `user_id=${SEED.bob.id}` });
      expectSpec('put', '/interventions/{interventionId}/reassign', res);
      expect(res.body.user_id).toBe(SEED.bob.id);
      for (const userId of [SEED.disabled.id, new ObjectId().toHexString(), 'bad']) {
        expectError(await call('PUT', `/interventions/${id}/reassign`, { token: SEED.supervisor.token, form: `user_id=${userId}` }), 422, 'validation_error');
      }
      expectError(await call('PUT', `/interventions/${id}/reassign`, { token: SEED.supervisor.token }), 422, 'validation_error');
      for (const type of ['intervention.user_updated', 'intervention.assigned']) {
        const event = await eventually(async () => (await streamEvents(nc, platform.namespace, type)).find((e) => e.payload.id === id), { what: type });
        expect(event.payload).toMatchObject({ user_id: SEED.bob.id, acting_user_id: SEED.supervisor.id });
      }
    });

    it('replaces the category set, clears it with category_ids[]=, rejects unknown categories', async () => {
      const opened = await open();
      const id = opened.body.id;
      const set = await call('PUT', `/interventions/${id}/update_categories`, { token: SEED.alice.token, form: `category_ids[]=${SEED.billing}&category_ids[]=${SEED.bug}` });
      expectSpec('put', '/interventions/{interventionId}/update_categories', set);
      expect(set.body.category_ids).toEqual([SEED.billing, SEED.bug]);
      const replaced = await call('PUT', `/interventions/${id}/update_categories`, { token: SEED.alice.token, query: `category_ids[]=${SEED.bug}` });
      expect(replaced.body.category_ids).toEqual([SEED.bug]);
      const cleared = await call('PUT', `/interventions/${id}/update_categories`, { token: SEED.alice.token, form: 'category_ids[]=' });
      expect(cleared.body.category_ids).toEqual([]);
      expectError(
        await call('PUT', `/interventions/${id}/update_categories`, { token: SEED.alice.token, form: `category_ids[]=${new ObjectId().toHexString()}` }),
        422,
        'validation_error',
      );
      const event = await eventually(
        async () => (await streamEvents(nc, platform.namespace, 'intervention.recategorized')).filter((e) => e.payload.id === id).at(2),
        { what: 'three intervention.recategorized' },
      );
      expect(event.payload.category_ids).toEqual([]);
    });

    it('updates custom fields with custom_field_values[key]=value (custom_fields_updated event)', async () => {
      const opened = await open();
      const id = opened.body.id;
      const res = await call('PUT', `/interventions/${id}`, { token: SEED.alice.token, form: 'custom_field_values[external_id]=342901&custom_field_values[tier]=gold' });
      expect(res.status).toBe(200);
      expect(res.body.custom_fields).toEqual({ external_id: '342901', tier: 'gold' });
      expectError(await call('PUT', `/interventions/${id}`, { token: SEED.alice.token, form: 'custom_field_values=flat' }), 422, 'validation_error');
      const event = await eventually(
        async () => (await streamEvents(nc, platform.namespace, 'intervention.custom_fields_updated')).find((e) => e.payload.id === id),
        { what: 'intervention.custom_fields_updated' },
      );
      expect(event.payload.custom_field_values).toEqual({ external_id: '342901', tier: 'gold' });
    });
  });

  describe('customer messages from the bus', () => {
    it('stores a content.created event once; an intervention can then be opened on it', async () => {
      const content = { id: new ObjectId().toHexString(), source_id: SEED.twitter, thread_id: new ObjectId().toHexString(), identity_id: SEED.dave, body: 'Hi' };
      const envelope = { id: new ObjectId().toHexString(), idempotency_key: 'k', date: new Date().toISOString(), app: 'channels', version: 'v1', type: 'content.created', payload: content };
      const js = nc.jetstream();
      const data = StringCodec().encode(JSON.stringify(envelope));
      await js.publish(eventSubject(platform.namespace, 'channels', 'v1', 'content.created'), data);
      await js.publish(eventSubject(platform.namespace, 'channels', 'v1', 'content.created'), data);
      const res = await eventually(async () => {
        const r = await call('POST', '/interventions', { token: SEED.alice.token, form: `content_id=${content.id}` });
        return r.status === 200 ? r : undefined;
      }, { what: 'the content to be stored' });
      expect(res.body).toMatchObject({ thread_id: content.thread_id, identity_id: SEED.dave, content_id: content.id });
    });
  });

  describe('bad input', () => {
    it('answers an oversized body and malformed JSON with the Engage error body, never a 500', async () => {
      const big = await call('POST', '/interventions', { token: SEED.alice.token, form: `content_id=${'a'.repeat(2_000_000)}` });
      expect(big.status).toBeGreaterThanOrEqual(400);
      expect(big.status).toBeLessThan(500);
      expect(big.body).toEqual(expect.objectContaining({ error: expect.any(String), status: big.status }));
      const res = await fetch(`${platform.url}/1.0/interventions?access_token=${SEED.alice.token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{bad',
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual(expect.objectContaining({ status: 400, error: expect.any(String) }));
      const long = await call('GET', `/interventions/${'f'.repeat(500)}`, { token: SEED.alice.token });
      expect(long.status).toBeLessThan(500);
    });
  });

  // Declared last: every response validated above, against the vendor's file (skipped without SPECS_DIR).
  it('never answers null for an intervention field (unset fields are absent), in any response seen', () => {
    const interventions = validator.seen.flatMap((r) => {
      const body = r.body as { records?: unknown[]; id?: unknown } | null;
      if (r.status !== 200 || !body || typeof body !== 'object') return [];
      return body.records ?? (typeof body.id === 'string' ? [body] : []);
    }) as Record<string, unknown>[];
    expect(interventions.length).toBeGreaterThan(10);
    expect(interventions.filter((i) => nullKeys(i).length > 0)).toEqual([]);
  });

  itConformsToVendorSpec('engage-digital-interventions.yaml', () => validator.seen);
});
