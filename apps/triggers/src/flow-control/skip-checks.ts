import type { EntityManager } from 'typeorm';
import { gcra, GcraParams } from './gcra';

/**
 * The two checks that only read and update one row of their own, in the matcher's transaction
 * (the trigger's advisory lock is held — and a shared budget's lock — so concurrent batches see
 * each other's updates).
 */

/** Idempotency: true when `key` was seen within its ttl (skip); else it is remembered for `ttlMs`. */
export async function seenWithinTtl(m: EntityManager, triggerId: string, key: string, ttlMs: number, now: number): Promise<boolean> {
  const [seen]: Array<{ expires_at: Date }> = await m.query(`SELECT expires_at FROM triggers.flow_idempotency WHERE trigger_id = $1 AND key = $2`, [
    triggerId,
    key,
  ]);
  if (seen && new Date(seen.expires_at).getTime() > now) return true;
  await m.query(
    `INSERT INTO triggers.flow_idempotency (trigger_id, key, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (trigger_id, key) DO UPDATE SET expires_at = excluded.expires_at`,
    [triggerId, key, new Date(now + ttlMs)],
  );
  return false;
}

/**
 * Rate limit: true when the key's budget is spent (skip); else this event takes its share. The
 * budget is the trigger's own (`scope` `''`), or shared by the triggers of a workflow (`scope`: the
 * rule's shared owner, policy-keys.ts rateLimitScope; the caller holds its lock, lockShared).
 */
export async function rateLimited(m: EntityManager, triggerId: string, scope: string, key: string, params: GcraParams, now: number): Promise<boolean> {
  const [bucket]: Array<{ tat: Date }> =
    scope === ''
      ? await m.query(`SELECT tat FROM triggers.flow_buckets WHERE trigger_id = $1 AND scope = '' AND kind = 'rate_limit' AND key = $2`, [triggerId, key])
      : await m.query(`SELECT tat FROM triggers.flow_buckets WHERE scope = $1 AND kind = 'rate_limit' AND key = $2`, [scope, key]);
  const decision = gcra(bucket ? new Date(bucket.tat).getTime() : undefined, now, params);
  if (!decision.allowed) return true;
  if (scope === '') {
    await m.query(
      `INSERT INTO triggers.flow_buckets (trigger_id, kind, key, tat) VALUES ($1, 'rate_limit', $2, $3)
       ON CONFLICT (trigger_id, kind, key) WHERE scope = '' DO UPDATE SET tat = excluded.tat`,
      [triggerId, key, new Date(decision.tat)],
    );
  } else {
    await m.query(
      `INSERT INTO triggers.flow_buckets (scope, kind, key, tat) VALUES ($1, 'rate_limit', $2, $3)
       ON CONFLICT (scope, kind, key) WHERE scope <> '' DO UPDATE SET tat = excluded.tat`,
      [scope, key, new Date(decision.tat)],
    );
  }
  return false;
}
