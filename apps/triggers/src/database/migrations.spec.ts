import { runServiceMigrations } from '@wfp/platform';
import { schemasTouchedBy } from '@wfp/testing';
import { triggersDatabase } from './triggers-database';

describe('triggers migrations', () => {
  it('create the triggers schema, the schedules schema it owns, and nothing outside them', async () => {
    const touched = await schemasTouchedBy((url) => runServiceMigrations(triggersDatabase(url)));
    expect(touched.applied.length).toBeGreaterThan(0);
    expect(touched.schemas).toEqual(['schedules', 'triggers']);
    expect(touched.schemasWithRelations).toEqual(['schedules', 'triggers']);
    expect(touched.publicRelations).toEqual([]);
  });

  it('are idempotent: a second run applies nothing', async () => {
    let second: string[] = ['not run'];
    await schemasTouchedBy(async (url) => {
      const first = await runServiceMigrations(triggersDatabase(url));
      second = await runServiceMigrations(triggersDatabase(url));
      return first;
    });
    expect(second).toEqual([]);
  });
});
