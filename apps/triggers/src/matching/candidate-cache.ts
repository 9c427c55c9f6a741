import type { EntityManager } from 'typeorm';
import type { CancelOn, TriggerPolicy } from '@wfp/contracts';
import { IndexedCandidates } from './filter-index';

export interface Candidate {
  id: string;
  workflow_id: string;
  filter: string | null;
  vars: Record<string, string> | null;
  /** Flow control; null for most triggers (their firings start at once). */
  policy: TriggerPolicy | null;
  /** Sent as `cancelOn` with every start of the trigger; null for most triggers. */
  cancel_on?: CancelOn | null;
}

type Queryable = Pick<EntityManager, 'query'>;

/**
 * The live triggers of each (event type, version), found by the partial index and cached per
 * replica with their filter indexes. Every trigger change bumps `triggers.generation` in its
 * transaction, so one read of that single row per batch of events tells whether the cache is
 * still valid (correct with several replicas).
 */
export class CandidateCache {
  private generation: string | undefined;
  private readonly byKey = new Map<string, IndexedCandidates<Candidate>>();
  /** Whether any trigger, live or deleted, has a policy (then instance ends free flow-control slots). */
  hasPolicies = false;
  /** Workflows started by a trigger with a `hold: active` concurrency rule (their stage events matter). */
  activeHoldWorkflows: ReadonlySet<string> = new Set();

  constructor(private readonly maxKeys = 10_000) {}

  /**
   * Drops the cache when a trigger changed since it was filled: one single-row read of the
   * generation, or none when the caller read it already (`generation`, e.g. with the batch's inbox).
   */
  async revalidate(db: Queryable, generation?: string): Promise<void> {
    const value = generation ?? (await db.query(`SELECT value FROM triggers.generation WHERE id = 1`))[0].value;
    if (String(value) !== this.generation) {
      this.byKey.clear();
      const [{ any }]: Array<{ any: boolean }> = await db.query(`SELECT EXISTS (SELECT 1 FROM triggers.triggers WHERE policy IS NOT NULL) AS any`);
      this.hasPolicies = any;
      const active: Array<{ workflow_id: string }> = any
        ? await db.query(
            `SELECT DISTINCT workflow_id FROM triggers.triggers
              WHERE deleted_at IS NULL AND jsonb_path_exists(policy, '$.concurrency[*] ? (@.hold == "active")')`,
          )
        : [];
      this.activeHoldWorkflows = new Set(active.map((row) => row.workflow_id));
      this.generation = String(value);
    }
  }

  /** The indexed candidates of (event, version), as of the last {@link revalidate}. */
  async candidates(db: Queryable, event: string, version: string): Promise<IndexedCandidates<Candidate>> {
    const key = `${event}\u0000${version}`;
    const cached = this.byKey.get(key);
    if (cached) return cached;
    const rows: Candidate[] = await db.query(
      `SELECT id, workflow_id, filter, vars, policy, cancel_on FROM triggers.triggers
        WHERE deleted_at IS NULL AND event = $1 AND (version IS NULL OR version = $2)
        ORDER BY created_at, id`,
      [event, version],
    );
    if (this.byKey.size >= this.maxKeys) this.byKey.clear();
    const indexed = new IndexedCandidates(rows);
    this.byKey.set(key, indexed);
    return indexed;
  }
}
