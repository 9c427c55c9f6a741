import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bulk actions as durable jobs (issue 23): a job and its selection, frozen at creation (one item
 * per selected instance, in creation order); the worker applies the action item by item, paced by
 * `next_run_at`, and counts the outcomes.
 */
export class BulkJobs1732000023001 implements MigrationInterface {
  name = 'BulkJobs1732000023001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE orchestrator.bulk_jobs (
      id uuid PRIMARY KEY,
      action jsonb NOT NULL,
      selection jsonb NOT NULL,
      max_per_second int NOT NULL CHECK (max_per_second > 0),
      status text NOT NULL CHECK (status IN ('running', 'succeeded', 'aborted')),
      total int NOT NULL,
      succeeded int NOT NULL DEFAULT 0,
      failed int NOT NULL DEFAULT 0,
      next_run_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      finished_at timestamptz)`);
    await q.query(`CREATE INDEX bulk_jobs_due ON orchestrator.bulk_jobs (next_run_at) WHERE status = 'running'`);
    await q.query(`CREATE INDEX bulk_jobs_created ON orchestrator.bulk_jobs (created_at, id)`);
    await q.query(`CREATE TABLE orchestrator.bulk_job_items (
      job_id uuid NOT NULL,
      position int NOT NULL,
      instance_id uuid NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
      error text,
      done_at timestamptz,
      PRIMARY KEY (job_id, position))`);
    await q.query(`CREATE INDEX bulk_job_items_pending ON orchestrator.bulk_job_items (job_id, position) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE orchestrator.bulk_job_items`);
    await q.query(`DROP TABLE orchestrator.bulk_jobs`);
  }
}
