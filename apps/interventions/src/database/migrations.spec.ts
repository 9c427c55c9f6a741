import { runServiceMigrations } from '@wfp/platform';
import { schemasTouchedBy } from '@wfp/testing';
import { interventionsDatabase } from './interventions-database';

describe('interventions migrations', () => {
  it('create the interventions schema and nothing outside it', async () => {
    const touched = await schemasTouchedBy((url) => runServiceMigrations(interventionsDatabase(url)));
    expect(touched.applied.length).toBeGreaterThan(0);
    expect(touched.schemas).toEqual(['interventions']);
    expect(touched.schemasWithRelations).toEqual(['interventions']);
    expect(touched.publicRelations).toEqual([]);
  });

  it('are idempotent: a second run applies nothing', async () => {
    let second: string[] = ['not run'];
    await schemasTouchedBy(async (url) => {
      const first = await runServiceMigrations(interventionsDatabase(url));
      second = await runServiceMigrations(interventionsDatabase(url));
      return first;
    });
    expect(second).toEqual([]);
  });
});
