import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The built-in system user automations act as (id 000000000000000000000001, no access token, so
 * it cannot be used through the public API), its role (may update and edit all interventions),
 * and the idempotency record of system actions. Which sources it may read is granted like for
 * anyone (`source_permissions`; the seed grants every seeded source).
 */
export class SystemActor1732000009300 implements MigrationInterface {
  name = 'SystemActor1732000009300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      INSERT INTO interventions.roles (id, name, edit_all_interventions, update_interventions)
      VALUES ('000000000000000000000001', 'Automation', true, true) ON CONFLICT DO NOTHING;
      INSERT INTO interventions.users (id, name, email, role_id, enabled)
      VALUES ('000000000000000000000001', 'Workflow automation', NULL, '000000000000000000000001', true) ON CONFLICT DO NOTHING;
      CREATE TABLE interventions.system_actions (
        idempotency_key text NOT NULL,
        actor_user_id char(24) NOT NULL,
        reply jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (idempotency_key, actor_user_id));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS interventions.system_actions`);
    await q.query(`DELETE FROM interventions.users WHERE id = '000000000000000000000001'`);
    await q.query(`DELETE FROM interventions.roles WHERE id = '000000000000000000000001'`);
  }
}
