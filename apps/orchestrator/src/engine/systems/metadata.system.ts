import { Inject, Injectable } from '@nestjs/common';
import { fail, isUuid, METADATA_LIMITS, ok, Reply } from '@wfp/contracts';
import { CLOCK, Clock } from '@wfp/platform';
import { EngineDb, run, sql } from '../store/engine-db';

const SQL = {
  /** Merges the keys (a null removes one); refuses to go beyond the key limit. */
  set: sql<{ keys: number }>(
    'metadata.set',
    `UPDATE orchestrator.instances
        SET metadata = jsonb_strip_nulls(metadata || $2::jsonb), updated_at = $3
      WHERE id = $1
      RETURNING (SELECT count(*) FROM jsonb_object_keys(metadata))::int AS keys`,
  ),
};

/** Instance metadata (our extension): labels set after start, to search and select instances by. */
@Injectable()
export class MetadataSystem {
  constructor(
    private readonly db: EngineDb,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async set(id: string, metadata: Record<string, string | null>): Promise<Reply<Record<string, never>>> {
    if (!isUuid(id)) return fail('NOT_FOUND', `instance ${id} not found`);
    return this.db.transaction(async (client): Promise<Reply<Record<string, never>>> => {
      const [row] = await run(client, SQL.set, [id, JSON.stringify(metadata), this.clock.now()]);
      if (!row) return fail('NOT_FOUND', `instance ${id} not found`);
      // Thrown to roll the update back; answered as a VALIDATION error below.
      if (row.keys > METADATA_LIMITS.keys) throw new TooManyKeys(`at most ${METADATA_LIMITS.keys} metadata keys`);
      return ok({});
    }).catch((error: unknown) => {
      if (error instanceof TooManyKeys) return fail('VALIDATION', error.message);
      throw error;
    });
  }
}

class TooManyKeys extends Error {}
