import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ObjectId } from 'bson';
import {
  fail,
  Intervention,
  INTERVENTIONS_APP,
  INTERVENTIONS_EVENTS_VERSION,
  InterventionEventType,
  InterventionList,
  ListInterventionsRequest,
  ok,
  Reply,
  SYSTEM_ACTOR_USER_ID,
  SystemActionRequest,
} from '@wfp/contracts';
import { Clock, CLOCK, EventPublisher } from '@wfp/platform';

const HEX24 = /^[0-9a-f]{24}$/;

interface Caller {
  id: string;
  edit_all_interventions: boolean;
  update_interventions: boolean;
}

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function iso(value: Date | null): string | null {
  return value ? value.toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
}

/** The display label (Engage's `status` is a label; clients branch on `closed`). */
function statusOf(row: Row, now: Date): string {
  if (row.closed_at) return 'Closed';
  if (row.deferred_at && new Date(row.deferred_at) > now) return 'Deferred';
  return row.reopened ? 'Reopened' : 'Opened';
}

function invalid(attribute: string, type: string, message: string): Reply<never> {
  return fail('UNPROCESSABLE', message, { error: 'validation_error', errors: [{ attribute, type, message }] });
}

/** The API view of a row; `now` (the service's clock) decides whether a deferral is still running. */
export function toIntervention(row: Row, now: Date): Intervention {
  const count = Number(row.user_replies_count);
  const avg = count > 0 ? Math.round(Number(row.user_reply_in_total) / count) : 0;
  return {
    id: row.id,
    category_ids: row.category_ids ?? [],
    closed: row.closed_at !== null,
    closed_at: iso(row.closed_at),
    comments_count: 0,
    content_id: row.content_id,
    created_at: iso(row.created_at)!,
    custom_fields: row.custom_fields ?? {},
    deferred_at: iso(row.deferred_at),
    detected_language: null,
    first_user_reply_id: row.first_user_reply_id,
    first_user_reply_in: row.first_user_reply_in,
    first_user_reply_in_bh: row.first_user_reply_in,
    identity_id: row.identity_id,
    identity_group_id: row.identity_group_id,
    last_user_reply_in: row.last_user_reply_in,
    last_user_reply_in_bh: row.last_user_reply_in,
    source_id: row.source_id,
    status: statusOf(row, now),
    thread_id: row.thread_id,
    updated_at: iso(row.updated_at)!,
    user_id: row.user_id,
    user_replies_count: count,
    user_reply_in_average: avg,
    user_reply_in_average_bh: avg,
    user_reply_in_average_count: count,
  };
}

const NOT_FOUND = 'Resource not found';

/** The Engage interventions rules, in SQL transactions with row locks. */
@Injectable()
export class InterventionsService {
  constructor(
    private readonly db: DataSource,
    private readonly publisher: EventPublisher,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private async caller(m: EntityManager, token: string): Promise<Caller | null> {
    const rows: Row[] = await m.query(
      `SELECT u.id, r.edit_all_interventions, r.update_interventions
         FROM interventions.access_tokens t JOIN interventions.users u ON u.id = t.user_id
         JOIN interventions.roles r ON r.id = u.role_id
        WHERE t.token = $1 AND u.enabled`,
      [token],
    );
    return rows[0] ? (rows[0] as Caller) : null;
  }

  /** A system actor: an enabled user by id, with its role (no token). */
  private async callerById(m: EntityManager, userId: string): Promise<Caller | null> {
    const rows: Row[] = await m.query(
      `SELECT u.id, r.edit_all_interventions, r.update_interventions
         FROM interventions.users u JOIN interventions.roles r ON r.id = u.role_id
        WHERE u.id = $1 AND u.enabled`,
      [userId],
    );
    return rows[0] ? (rows[0] as Caller) : null;
  }

  private badToken<T>(): Reply<T> {
    return fail('FORBIDDEN', 'Invalid access token', { error: 'invalid_access_token' });
  }

  /** Locks and returns a visible intervention (404 when missing or its source is not readable). */
  private async visible(m: EntityManager, caller: Caller, id: string, lock: boolean): Promise<Row | null> {
    if (!HEX24.test(id)) return null;
    const rows: Row[] = await m.query(
      `SELECT i.* FROM interventions.interventions i
        WHERE i.id = $1 AND EXISTS (SELECT 1 FROM interventions.source_permissions p
          WHERE p.user_id = $2 AND p.source_id = i.source_id AND p.read)
       ${lock ? 'FOR UPDATE OF i NOWAIT' : ''}`,
      [id, caller.id],
    );
    return rows[0] ?? null;
  }

  private async emit(m: EntityManager, type: InterventionEventType, row: Row, acting: string | null): Promise<void> {
    await this.publisher.publish(m, {
      app: INTERVENTIONS_APP,
      version: INTERVENTIONS_EVENTS_VERSION,
      type,
      date: this.clock.now(),
      payload: {
        id: row.id,
        source_id: row.source_id,
        thread_id: row.thread_id,
        user_id: row.user_id,
        identity_id: row.identity_id,
        category_ids: row.category_ids ?? [],
        closed_at: iso(row.closed_at),
        deferred_at: iso(row.deferred_at),
        custom_field_values: row.custom_fields ?? {},
        acting_user_id: acting,
      },
    });
  }

  /**
   * Runs `work` in a transaction as the token's user. A lock conflict (NOWAIT) or a
   * serialization failure becomes 409.
   */
  private asUser<T>(token: string, work: (m: EntityManager, caller: Caller) => Promise<Reply<T>>): Promise<Reply<T>> {
    return this.asCaller(async (m) => (await this.caller(m, token)) ?? this.badToken<T>(), work);
  }

  /** Runs `work` in a transaction as the caller `identify` finds (or answers its refusal). */
  private async asCaller<T>(
    identify: (m: EntityManager) => Promise<Caller | Reply<T>>,
    work: (m: EntityManager, caller: Caller) => Promise<Reply<T>>,
  ): Promise<Reply<T>> {
    let published = false;
    try {
      const reply = await this.db.transaction(async (m) => {
        const caller = await identify(m);
        if ('ok' in caller) return caller;
        const result = await work(m, caller);
        if (!result.ok) throw new Rollback(result);
        published = true;
        return result;
      });
      if (published) this.publisher.flush();
      return reply;
    } catch (error) {
      if (error instanceof Rollback) return error.reply as Reply<T>;
      const code = (error as { code?: string }).code;
      if (code === '55P03' || code === '40001' || code === '23505') {
        return fail('CONFLICT', 'The intervention was modified concurrently', { error: 'conflict' });
      }
      throw error;
    }
  }

  async list(req: ListInterventionsRequest): Promise<Reply<InterventionList>> {
    return this.asUser(req.token, async (m, caller) => {
      const where = [
        `EXISTS (SELECT 1 FROM interventions.source_permissions p WHERE p.user_id = $1 AND p.source_id = i.source_id AND p.read)`,
      ];
      const params: unknown[] = [caller.id];
      const add = (sql: string, value: unknown) => {
        params.push(value);
        where.push(sql.replace('?', `$${params.length}`));
      };
      if (req.thread_id) add('i.thread_id = ?', req.thread_id);
      if (req.user_id) add('i.user_id = ?', req.user_id);
      if (req.identity_group_id) add('i.identity_group_id = ?', req.identity_group_id);
      if (req.identity_id?.length) add('i.identity_id = ANY(?)', req.identity_id);
      const now = this.clock.now();
      switch (req.status) {
        case 'active': add('i.closed_at IS NULL AND (i.deferred_at IS NULL OR i.deferred_at <= ?)', now); break;
        case 'closed': where.push('i.closed_at IS NOT NULL'); break;
        case 'deferred': add('i.closed_at IS NULL AND i.deferred_at > ?', now); break;
        case 'opened': where.push('i.closed_at IS NULL'); break;
        case 'reopened': where.push('i.closed_at IS NULL AND i.reopened'); break;
      }
      const whereSql = where.join(' AND ');
      const [{ count }] = await m.query(`SELECT count(*)::int AS count FROM interventions.interventions i WHERE ${whereSql}`, params);
      const rows: Row[] = await m.query(
        `SELECT i.* FROM interventions.interventions i WHERE ${whereSql}
          ORDER BY i.${req.sort === 'updated_at' ? 'updated_at' : 'created_at'} DESC, i.id DESC
          OFFSET ${req.offset} LIMIT ${req.limit}`,
        params,
      );
      return ok({ count, offset: req.offset, limit: req.limit, records: rows.map((row) => toIntervention(row, now)) });
    });
  }

  async get(token: string, id: string): Promise<Reply<Intervention>> {
    return this.asUser(token, async (m, caller) => {
      const row = await this.visible(m, caller, id, false);
      return row ? ok(toIntervention(row, this.clock.now())) : fail('NOT_FOUND', NOT_FOUND);
    });
  }

  async create(token: string, contentId: string): Promise<Reply<Intervention>> {
    return this.asUser(token, async (m, caller) => {
      const content: Row | undefined = HEX24.test(contentId)
        ? (
            await m.query(
              `SELECT c.*, id2.identity_group_id FROM interventions.contents c
                 LEFT JOIN interventions.identities id2 ON id2.id = c.identity_id
                WHERE c.id = $1 AND EXISTS (SELECT 1 FROM interventions.source_permissions p
                  WHERE p.user_id = $2 AND p.source_id = c.source_id AND p.read)`,
              [contentId, caller.id],
            )
          )[0]
        : undefined;
      if (!content) return fail('NOT_FOUND', NOT_FOUND);
      if (content.author_id || !content.identity_id) {
        return invalid('content_id', 'invalid', 'Intervention can\'t be saved: the content is an agent reply and cannot be engaged');
      }
      // Serialize interventions of one thread.
      await m.query(`SELECT 1 FROM interventions.threads WHERE id = $1 FOR UPDATE`, [content.thread_id]);
      const existing: Row[] = await m.query(
        `SELECT * FROM interventions.interventions WHERE thread_id = $1 AND identity_id = $2 ORDER BY created_at DESC LIMIT 1`,
        [content.thread_id, content.identity_id],
      );
      const now = this.clock.now();
      const last = existing[0];
      if (last && !last.closed_at) {
        return invalid('content_id', 'taken', 'Intervention can\'t be saved: the content is already under an open intervention');
      }
      if (last) {
        const row = await updated(m,
          `UPDATE interventions.interventions SET closed_at = NULL, reopened = true, user_id = $2, updated_at = $3
            WHERE id = $1 RETURNING *`,
          [last.id, caller.id, now],
        );
        await this.emit(m, 'intervention.reopened', row, caller.id);
        return ok(toIntervention(row, now));
      }
      const id = new ObjectId().toHexString();
      const rows: Row[] = await m.query(
        `INSERT INTO interventions.interventions
           (id, source_id, thread_id, content_id, identity_id, identity_group_id, user_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING *`,
        [id, content.source_id, content.thread_id, content.id, content.identity_id, content.identity_group_id, caller.id, now],
      );
      await m.query(
        `UPDATE interventions.contents SET intervention_id = $1
          WHERE thread_id = $2 AND identity_id = $3 AND intervention_id IS NULL`,
        [id, content.thread_id, content.identity_id],
      );
      await this.emit(m, 'intervention.opened', rows[0], caller.id);
      return ok(toIntervention(rows[0], now));
    });
  }

  /**
   * Close: the row is locked `FOR UPDATE NOWAIT`, so while another close/cancel (or any change)
   * holds it this answers 409; once that one has committed, the rules decide (403/404).
   */
  async close(token: string, id: string): Promise<Reply<Intervention>> {
    return this.asUser(token, (m, caller) => this.closeAs(m, caller, id));
  }

  private async closeAs(m: EntityManager, caller: Caller, id: string): Promise<Reply<Intervention>> {
    {
      const row = await this.visible(m, caller, id, true);
      if (!row) return fail('NOT_FOUND', NOT_FOUND);
      if (row.closed_at) return fail('FORBIDDEN', 'Intervention is already closed', { error: 'forbidden' });
      if (Number(row.user_replies_count) < 1) return fail('FORBIDDEN', 'Intervention has no agent reply', { error: 'forbidden' });
      if (row.user_id !== caller.id && !caller.edit_all_interventions) {
        return fail('FORBIDDEN', 'Only the owner or a user allowed to edit all interventions can close it', { error: 'forbidden' });
      }
      const now = this.clock.now();
      const rows = [await updated(m,
        `UPDATE interventions.interventions SET closed_at = $2, updated_at = $2 WHERE id = $1 RETURNING *`,
        [id, now],
      )];
      await this.emit(m, 'intervention.closed', rows[0], caller.id);
      return ok(toIntervention(rows[0], now));
    }
  }

  /** Cancel (destroy): same locking as {@link close}; 409 only while another request holds the row. */
  async cancel(token: string, id: string): Promise<Reply<Intervention>> {
    return this.asUser(token, async (m, caller) => {
      const row = await this.visible(m, caller, id, true);
      if (!row) return fail('NOT_FOUND', NOT_FOUND);
      if (row.closed_at) return fail('FORBIDDEN', 'Intervention is closed', { error: 'forbidden' });
      if (Number(row.user_replies_count) > 0) return fail('FORBIDDEN', 'Intervention has agent replies', { error: 'forbidden' });
      await m.query(`UPDATE interventions.contents SET intervention_id = NULL WHERE intervention_id = $1`, [id]);
      await m.query(`DELETE FROM interventions.interventions WHERE id = $1`, [id]);
      await this.emit(m, 'intervention.canceled', row, caller.id);
      return ok(toIntervention(row, this.clock.now()));
    });
  }

  async reassign(token: string, id: string, userId: string): Promise<Reply<Intervention>> {
    return this.asUser(token, (m, caller) => this.reassignAs(m, caller, id, userId));
  }

  private async reassignAs(m: EntityManager, caller: Caller, id: string, userId: string): Promise<Reply<Intervention>> {
    {
      const row = await this.visible(m, caller, id, true);
      if (!row) return fail('NOT_FOUND', NOT_FOUND);
      if (!caller.update_interventions) return fail('FORBIDDEN', 'Your role cannot update interventions', { error: 'forbidden' });
      const users: Row[] = HEX24.test(userId)
        ? await m.query(`SELECT id FROM interventions.users WHERE id = $1 AND enabled`, [userId])
        : [];
      if (!users[0]) return invalid('user_id', 'invalid', 'Intervention can\'t be saved: user_id is not an existing, enabled user');
      const rows = [await updated(m,
        `UPDATE interventions.interventions SET user_id = $2, updated_at = $3 WHERE id = $1 RETURNING *`,
        [id, userId, this.clock.now()],
      )];
      await this.emit(m, 'intervention.user_updated', rows[0], caller.id);
      await this.emit(m, 'intervention.assigned', rows[0], caller.id);
      return ok(toIntervention(rows[0], this.clock.now()));
    }
  }

  async categorize(token: string, id: string, categoryIds: string[]): Promise<Reply<Intervention>> {
    return this.asUser(token, (m, caller) => this.categorizeAs(m, caller, id, categoryIds));
  }

  private async categorizeAs(m: EntityManager, caller: Caller, id: string, categoryIds: string[]): Promise<Reply<Intervention>> {
    {
      const row = await this.visible(m, caller, id, true);
      if (!row) return fail('NOT_FOUND', NOT_FOUND);
      const ids = [...new Set(categoryIds.filter((c) => c !== ''))];
      const known: Row[] = ids.length
        ? await m.query(`SELECT id FROM interventions.categories WHERE id = ANY($1)`, [ids.filter((c) => HEX24.test(c))])
        : [];
      const unknown = ids.filter((c) => !known.some((k) => k.id === c));
      if (unknown.length) return invalid('category_ids', 'invalid', `Intervention can't be saved: unknown category ids ${unknown.join(', ')}`);
      const rows = [await updated(m,
        `UPDATE interventions.interventions SET category_ids = $2, updated_at = $3 WHERE id = $1 RETURNING *`,
        [id, ids, this.clock.now()],
      )];
      await this.emit(m, 'intervention.recategorized', rows[0], caller.id);
      return ok(toIntervention(rows[0], this.clock.now()));
    }
  }

  async updateCustomFields(token: string, id: string, values: Record<string, unknown>): Promise<Reply<Intervention>> {
    return this.asUser(token, (m, caller) => this.updateCustomFieldsAs(m, caller, id, values));
  }

  private async updateCustomFieldsAs(m: EntityManager, caller: Caller, id: string, values: Record<string, unknown>): Promise<Reply<Intervention>> {
    {
      const row = await this.visible(m, caller, id, true);
      if (!row) return fail('NOT_FOUND', NOT_FOUND);
      const rows = [await updated(m,
        `UPDATE interventions.interventions SET custom_fields = custom_fields || $2::jsonb, updated_at = $3 WHERE id = $1 RETURNING *`,
        [id, JSON.stringify(values), this.clock.now()],
      )];
      await this.emit(m, 'intervention.custom_fields_updated', rows[0], caller.id);
      return ok(toIntervention(rows[0], this.clock.now()));
    }
  }

  /**
   * An action by a system actor (an automation such as a workflow stage): the actor is a user by
   * id (default: the built-in system user) whose role and source permissions are checked like
   * anyone's, and the resulting events carry its id as `acting_user_id`. The first successful
   * result of an idempotency key is stored in the same transaction; a replay answers it again
   * without acting twice.
   */
  async systemAction(req: SystemActionRequest): Promise<Reply<Intervention>> {
    const actorId = req.actor_user_id ?? SYSTEM_ACTOR_USER_ID;
    return this.asCaller(
      async (m) => (await this.callerById(m, actorId)) ?? fail<Intervention>('FORBIDDEN', `The system actor ${actorId} is not an enabled user`, { error: 'forbidden' }),
      async (m, caller) => {
        const done: Row[] = await m.query(
          `SELECT reply FROM interventions.system_actions WHERE idempotency_key = $1 AND actor_user_id = $2`,
          [req.idempotency_key, caller.id],
        );
        if (done[0]) return done[0].reply as Reply<Intervention>;
        let reply: Reply<Intervention>;
        switch (req.action) {
          case 'reassign': reply = await this.reassignAs(m, caller, req.id, req.user_id); break;
          case 'categorize': reply = await this.categorizeAs(m, caller, req.id, req.category_ids); break;
          case 'close': reply = await this.closeAs(m, caller, req.id); break;
          case 'set_custom_fields': reply = await this.updateCustomFieldsAs(m, caller, req.id, req.custom_field_values); break;
        }
        if (reply.ok) {
          await m.query(
            `INSERT INTO interventions.system_actions (idempotency_key, actor_user_id, reply, created_at) VALUES ($1, $2, $3, $4)`,
            [req.idempotency_key, caller.id, JSON.stringify(reply), this.clock.now()],
          );
        }
        return reply;
      },
    );
  }

  /** An agent reply (POST /1.0/contents): counts toward the open intervention of its thread/identity. */
  async reply(token: string, inReplyToId: string, body: string): Promise<Reply<Record<string, unknown>>> {
    return this.asUser(token, async (m, caller) => {
      const parent: Row | undefined = HEX24.test(inReplyToId)
        ? (
            await m.query(
              `SELECT c.* FROM interventions.contents c WHERE c.id = $1 AND EXISTS (SELECT 1 FROM interventions.source_permissions p
                 WHERE p.user_id = $2 AND p.source_id = c.source_id AND p.read)`,
              [inReplyToId, caller.id],
            )
          )[0]
        : undefined;
      if (!parent) return fail('NOT_FOUND', NOT_FOUND);
      const now = this.clock.now();
      const open: Row[] = await m.query(
        `SELECT * FROM interventions.interventions WHERE thread_id = $1 AND identity_id IS NOT DISTINCT FROM $2 AND closed_at IS NULL FOR UPDATE`,
        [parent.thread_id, parent.identity_id],
      );
      const intervention = open[0];
      const id = new ObjectId().toHexString();
      await m.query(
        `INSERT INTO interventions.contents (id, source_id, thread_id, identity_id, author_id, in_reply_to_id, intervention_id, body, created_at)
         VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8)`,
        [id, parent.source_id, parent.thread_id, caller.id, parent.id, intervention?.id ?? null, body, now],
      );
      if (intervention) {
        const replyIn = Math.max(0, Math.round((now.getTime() - new Date(parent.created_at).getTime()) / 1000));
        await m.query(
          `UPDATE interventions.interventions SET
             user_replies_count = user_replies_count + 1,
             user_reply_in_total = user_reply_in_total + $2,
             first_user_reply_id = COALESCE(first_user_reply_id, $3),
             first_user_reply_in = COALESCE(first_user_reply_in, $2),
             last_user_reply_in = $2, updated_at = $4
           WHERE id = $1`,
          [intervention.id, replyIn, id, now],
        );
      }
      return ok({
        id,
        author_id: caller.id,
        body,
        in_reply_to_id: parent.id,
        intervention_id: intervention?.id ?? null,
        source_id: parent.source_id,
        thread_id: parent.thread_id,
        created_at: iso(now),
      });
    });
  }
}

/** The row of an `UPDATE … RETURNING *` (TypeORM answers `[rows, affected]` for an UPDATE). */
async function updated(m: EntityManager, sql: string, params: unknown[]): Promise<Row> {
  const result = await m.query(sql, params);
  const rows: Row[] = Array.isArray(result[0]) ? result[0] : result;
  return rows[0];
}

class Rollback extends Error {
  constructor(readonly reply: Reply<unknown>) {
    super('rollback');
  }
}
