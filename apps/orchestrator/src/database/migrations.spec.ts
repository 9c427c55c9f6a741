import { runServiceMigrations } from '@wfp/platform';
import { schemasTouchedBy } from '@wfp/testing';
import { orchestratorDatabase } from './orchestrator-database';

describe('orchestrator migrations', () => {
  it('create the orchestrator schema and nothing outside it', async () => {
    const touched = await schemasTouchedBy((url) => runServiceMigrations(orchestratorDatabase(url)));
    expect(touched.applied.length).toBeGreaterThan(0);
    expect(touched.schemas).toEqual(['orchestrator']);
    expect(touched.schemasWithRelations).toEqual(['orchestrator']);
    expect(touched.publicRelations).toEqual([]);
  });

  it('are idempotent: a second run applies nothing', async () => {
    let second: string[] = ['not run'];
    await schemasTouchedBy(async (url) => {
      const first = await runServiceMigrations(orchestratorDatabase(url));
      second = await runServiceMigrations(orchestratorDatabase(url));
      return first;
    });
    expect(second).toEqual([]);
  });
});
