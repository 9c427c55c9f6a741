import './tracing';
import 'reflect-metadata';
import { loadConfigOrExit, runServiceMigrations, startMicroservice } from '@wfp/platform';
import { loadTriggersConfig } from './config';
import { TriggersAppModule } from './app.module';
import { triggersDatabase } from './database/triggers-database';

async function main(): Promise<void> {
  const config = loadConfigOrExit(loadTriggersConfig);
  await startMicroservice({
    service: 'triggers',
    config,
    module: TriggersAppModule.forRoot(config),
    migrate: () => runServiceMigrations(triggersDatabase(config.DATABASE_URL)),
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: "fatal", service: "triggers", msg: "failed to start", err: String((error as Error)?.stack ?? error) })}\n`);
  process.exit(1);
});
