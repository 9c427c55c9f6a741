import './tracing';
import 'reflect-metadata';
import { loadConfigOrExit, runServiceMigrations, startMicroservice } from '@wfp/platform';
import { loadOrchestratorConfig } from './config';
import { OrchestratorAppModule } from './app.module';
import { orchestratorDatabase } from './database/orchestrator-database';

async function main(): Promise<void> {
  const config = loadConfigOrExit(loadOrchestratorConfig);
  await startMicroservice({
    service: 'orchestrator',
    config,
    module: OrchestratorAppModule.forRoot(config),
    migrate: () => runServiceMigrations(orchestratorDatabase(config.DATABASE_URL)),
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: "fatal", service: "orchestrator", msg: "failed to start", err: String((error as Error)?.stack ?? error) })}\n`);
  process.exit(1);
});
