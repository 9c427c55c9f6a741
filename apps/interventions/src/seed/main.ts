import { runServiceMigrations } from '@wfp/platform';
import { interventionsDatabase } from '../database/interventions-database';
import { DEFAULT_FIXTURE_PATH, loadFixture, readFixture } from './load-fixture';

/** `npm run seed [fixture.json]`: migrates the interventions schema, loads the fixture, prints tokens. */
async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required');
  const path = process.argv[2] ?? process.env.SEED_FIXTURE ?? DEFAULT_FIXTURE_PATH;
  const fixture = readFixture(path);
  await runServiceMigrations(interventionsDatabase(databaseUrl));
  await loadFixture(databaseUrl, fixture);
  console.log(`Seeded ${path}`);
  console.log('Access tokens (use ?access_token=… or Authorization: Bearer …):');
  for (const u of fixture.users) {
    console.log(`  ${u.token.padEnd(18)} ${u.name} (${u.id})${u.enabled ? '' : ' [disabled]'}`);
  }
  console.log('Customer contents you can open interventions on (POST /1.0/interventions content_id=…):');
  for (const c of fixture.contents) console.log(`  ${c.id}  thread ${c.thread_id}: ${c.body}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
