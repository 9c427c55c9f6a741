import { MigrationInterface, QueryRunner } from 'typeorm';
import { createInboxTablesSql } from '@wfp/platform';

/** Sources, users, roles, permissions, categories, identities, threads, contents, tokens, interventions. */
export class InterventionsModel1732000001000 implements MigrationInterface {
  name = 'InterventionsModel1732000001000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of createInboxTablesSql('interventions')) await q.query(sql);
    await q.query(`
      CREATE TABLE interventions.sources (id char(24) PRIMARY KEY, name text NOT NULL);
      CREATE TABLE interventions.roles (
        id char(24) PRIMARY KEY, name text NOT NULL,
        edit_all_interventions boolean NOT NULL DEFAULT false,
        update_interventions boolean NOT NULL DEFAULT false);
      CREATE TABLE interventions.users (
        id char(24) PRIMARY KEY, name text NOT NULL, email text,
        role_id char(24) NOT NULL REFERENCES interventions.roles(id),
        enabled boolean NOT NULL DEFAULT true);
      CREATE TABLE interventions.source_permissions (
        user_id char(24) NOT NULL REFERENCES interventions.users(id),
        source_id char(24) NOT NULL REFERENCES interventions.sources(id),
        read boolean NOT NULL DEFAULT true, reply boolean NOT NULL DEFAULT true,
        PRIMARY KEY (user_id, source_id));
      CREATE TABLE interventions.access_tokens (
        token text PRIMARY KEY, user_id char(24) NOT NULL REFERENCES interventions.users(id));
      CREATE TABLE interventions.categories (id char(24) PRIMARY KEY, name text NOT NULL);
      CREATE TABLE interventions.identity_groups (id char(24) PRIMARY KEY);
      CREATE TABLE interventions.identities (
        id char(24) PRIMARY KEY, name text NOT NULL DEFAULT '',
        identity_group_id char(24) NOT NULL REFERENCES interventions.identity_groups(id));
      CREATE TABLE interventions.threads (
        id char(24) PRIMARY KEY, source_id char(24) NOT NULL REFERENCES interventions.sources(id),
        title text NOT NULL DEFAULT '');
      CREATE TABLE interventions.interventions (
        id char(24) PRIMARY KEY,
        source_id char(24) NOT NULL, thread_id char(24) NOT NULL, content_id char(24) NOT NULL,
        identity_id char(24), identity_group_id char(24), user_id char(24),
        reopened boolean NOT NULL DEFAULT false,
        closed_at timestamptz, deferred_at timestamptz,
        category_ids text[] NOT NULL DEFAULT '{}',
        custom_fields jsonb NOT NULL DEFAULT '{}',
        first_user_reply_id char(24), first_user_reply_in integer, last_user_reply_in integer,
        user_replies_count integer NOT NULL DEFAULT 0,
        user_reply_in_total bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
        closed_wall_at timestamptz);
      -- Canceled interventions are destroyed; this keeps when, to tell a concurrent cancel (409) from a late one (404).
      CREATE TABLE interventions.canceled_interventions (
        id char(24) PRIMARY KEY, source_id char(24) NOT NULL, canceled_wall_at timestamptz NOT NULL);
      CREATE INDEX interventions_thread_identity ON interventions.interventions (thread_id, identity_id);
      CREATE UNIQUE INDEX interventions_one_open_per_thread_identity
        ON interventions.interventions (thread_id, identity_id) WHERE closed_at IS NULL;
      CREATE TABLE interventions.contents (
        id char(24) PRIMARY KEY,
        source_id char(24) NOT NULL, thread_id char(24) NOT NULL REFERENCES interventions.threads(id),
        identity_id char(24), author_id char(24), in_reply_to_id char(24),
        intervention_id char(24),
        body text NOT NULL, created_at timestamptz NOT NULL);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS interventions.contents, interventions.canceled_interventions, interventions.interventions, interventions.threads,
      interventions.identities, interventions.identity_groups, interventions.categories, interventions.access_tokens,
      interventions.source_permissions, interventions.users, interventions.roles, interventions.sources,
      interventions.inbox, interventions.dead_letters`);
  }
}
