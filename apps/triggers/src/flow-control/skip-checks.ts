import type { EntityManager } from 'typeorm';
import { gcra, GcraParams } from './gcra';

/**
 * The two checks that only read and update one row of their own, in the matcher's transaction
 * (the trigger's advisory lock is held, so concurrent batches see each other's updates).
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

/** Rate limit: true when the key's budget is spent (skip); else this event takes its share. */
export async function rateLimited(m: EntityManager, triggerId: string, key: string, params: GcraParams, now: number): Promise<boolean> {
  const [bucket]: Array<{ tat: Date }> = await m.query(`SELECT tat FROM triggers.flow_buckets WHERE trigger_id = $1 AND kind = 'rate_limit' AND key = $2`, [
    triggerId,
    key,
  ]);
  const decision = gcra(bucket ? new Date(bucket.tat).getTime() : undefined, now, params);
  if (!decision.allowed) return true;
  await m.query(
    `INSERT INTO triggers.flow_buckets (trigger_id, kind, key, tat) VALUES ($1, 'rate_limit', $2, $3)
     ON CONFLICT (trigger_id, kind, key) DO UPDATE SET tat = excluded.tat`,
    [triggerId, key, new Date(decision.tat)],
  );
  return false;
}
