import './tracing';
import 'reflect-metadata';
import { loadConfigOrExit, runServiceMigrations, startMicroservice } from '@wfp/platform';
import { loadInterventionsConfig } from './config';
import { InterventionsAppModule } from './app.module';
import { interventionsDatabase } from './database/interventions-database';

async function main(): Promise<void> {
  const config = loadConfigOrExit(loadInterventionsConfig);
  await startMicroservice({
    service: 'interventions',
    config,
    module: InterventionsAppModule.forRoot(config),
    migrate: () => runServiceMigrations(interventionsDatabase(config.DATABASE_URL)),
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: "fatal", service: "interventions", msg: "failed to start", err: String((error as Error)?.stack ?? error) })}\n`);
  process.exit(1);
});
