import { readFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { z } from 'zod';
import { SYSTEM_ACTOR_USER_ID } from '@wfp/contracts';

const id = z.string().regex(/^[0-9a-f]{24}$/);

/** The seed fixture: sources, roles, users (with token and readable sources), categories, identities, threads, contents. */
export const seedFixtureSchema = z.object({
  sources: z.array(z.object({ id, name: z.string() })),
  roles: z.array(z.object({ id, name: z.string(), edit_all_interventions: z.boolean(), update_interventions: z.boolean() })),
  users: z.array(
    z.object({
      id,
      name: z.string(),
      email: z.string().optional(),
      role_id: id,
      enabled: z.boolean().default(true),
      token: z.string().min(1),
      read_source_ids: z.array(id),
    }),
  ),
  categories: z.array(z.object({ id, name: z.string() })),
  identity_groups: z.array(z.object({ id })),
  identities: z.array(z.object({ id, name: z.string(), identity_group_id: id })),
  threads: z.array(z.object({ id, source_id: id, title: z.string().default('') })),
  contents: z.array(z.object({ id, thread_id: id, identity_id: id, body: z.string(), created_at: z.string() })),
});
export type SeedFixture = z.infer<typeof seedFixtureSchema>;

/** `apps/interventions/fixtures/seed.json`, found from the source or the built (dist/) file. */
export const DEFAULT_FIXTURE_PATH = findFixture(__dirname);

function findFixture(from: string): string {
  const relative = join('apps', 'interventions', 'fixtures', 'seed.json');
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, relative))) return join(dir, relative);
  }
  return relative;
}

export function readFixture(path: string): SeedFixture {
  return seedFixtureSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** Loads the fixture in one transaction; rows that exist already are left alone (idempotent). */
export async function loadFixture(databaseUrl: string, fixture: SeedFixture): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('BEGIN');
    const q = (sql: string, params: unknown[]) => db.query(sql, params);
    for (const s of fixture.sources) await q(`INSERT INTO interventions.sources (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [s.id, s.name]);
    // The built-in system user (created by the migrations) may read every seeded source.
    await q(
      `INSERT INTO interventions.source_permissions (user_id, source_id)
       SELECT u.id, s.id FROM interventions.users u CROSS JOIN unnest($2::text[]) AS s(id)
        WHERE u.id = $1 ON CONFLICT DO NOTHING`,
      [SYSTEM_ACTOR_USER_ID, fixture.sources.map((source) => source.id)],
    );
    for (const r of fixture.roles) {
      await q(
        `INSERT INTO interventions.roles (id, name, edit_all_interventions, update_interventions) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [r.id, r.name, r.edit_all_interventions, r.update_interventions],
      );
    }
    for (const u of fixture.users) {
      await q(`INSERT INTO interventions.users (id, name, email, role_id, enabled) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, [
        u.id, u.name, u.email ?? null, u.role_id, u.enabled,
      ]);
      await q(`INSERT INTO interventions.access_tokens (token, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [u.token, u.id]);
      for (const sourceId of u.read_source_ids) {
        await q(`INSERT INTO interventions.source_permissions (user_id, source_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [u.id, sourceId]);
      }
    }
    for (const c of fixture.categories) await q(`INSERT INTO interventions.categories (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [c.id, c.name]);
    for (const g of fixture.identity_groups) await q(`INSERT INTO interventions.identity_groups (id) VALUES ($1) ON CONFLICT DO NOTHING`, [g.id]);
    for (const i of fixture.identities) {
      await q(`INSERT INTO interventions.identities (id, name, identity_group_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [i.id, i.name, i.identity_group_id]);
    }
    for (const t of fixture.threads) {
      await q(`INSERT INTO interventions.threads (id, source_id, title) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [t.id, t.source_id, t.title]);
    }
    for (const c of fixture.contents) {
      await q(
        `INSERT INTO interventions.contents (id, source_id, thread_id, identity_id, body, created_at)
         SELECT $1, t.source_id, t.id, $3, $4, $5 FROM interventions.threads t WHERE t.id = $2
         ON CONFLICT DO NOTHING`,
        [c.id, c.thread_id, c.identity_id, c.body, c.created_at],
      );
    }
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await db.end();
  }
}
