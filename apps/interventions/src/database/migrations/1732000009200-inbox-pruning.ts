import { MigrationInterface, QueryRunner } from 'typeorm';
import { createInboxPruneIndexSql } from '@wfp/platform';

/** The index the inbox pruner walks (`processed_at`), issue 9. */
export class InboxPruning1732000009200 implements MigrationInterface {
  name = 'InboxPruning1732000009200';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of createInboxPruneIndexSql('interventions')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS interventions.inbox_processed_at_idx`);
  }
}
