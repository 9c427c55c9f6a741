import { Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { interventionSchema } from '@wfp/contracts';
import { APP_CONFIG, CommandClient, natsServers } from '@wfp/platform';
import type { OrchestratorConfig } from '../../config';
import { StageKind } from '../stage-kind';
import { InterventionsCommand, StageDependencies } from './acting';
import { buildStageKinds } from './registry';

/** The interventions service's commands, for the `intervention` stage. */
@Injectable()
export class InterventionsClient extends CommandClient implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(APP_CONFIG) config: OrchestratorConfig) {
    super({
      servers: natsServers(config.NATS_URL),
      namespace: config.NATS_NAMESPACE,
      timeoutMs: config.ORCHESTRATOR_INTERVENTIONS_TIMEOUT_MS,
      name: 'orchestrator-interventions-client',
    });
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}

/** The stage kinds with their configured dependencies: what the engine calls `act` on. */
export const STAGE_RUNTIME = Symbol('STAGE_RUNTIME');
export type StageRuntime = ReadonlyMap<string, StageKind>;

export function stageDependencies(config: OrchestratorConfig, interventions: InterventionsCommand): StageDependencies {
  return {
    fetch: globalThis.fetch,
    httpAllowedHosts: config.ORCHESTRATOR_HTTP_ALLOWED_HOSTS,
    interventions,
    interventionsActorUserId: config.ORCHESTRATOR_INTERVENTIONS_ACTOR_ID,
    ledger: config.ORCHESTRATOR_LEDGER_URL
      ? {
          baseUrl: config.ORCHESTRATOR_LEDGER_URL,
          clientId: config.ORCHESTRATOR_LEDGER_CLIENT_ID,
          clientSecret: config.ORCHESTRATOR_LEDGER_CLIENT_SECRET,
          tokenUrl: config.ORCHESTRATOR_LEDGER_TOKEN_URL,
          timeoutMs: config.ORCHESTRATOR_LEDGER_TIMEOUT_MS,
        }
      : undefined,
  };
}

/** Acting stages' dependencies (HTTP, the interventions service, the ledger), built from configuration. */
@Global()
@Module({
  providers: [
    InterventionsClient,
    {
      provide: STAGE_RUNTIME,
      inject: [APP_CONFIG, InterventionsClient],
      useFactory: (config: OrchestratorConfig, client: InterventionsClient): StageRuntime =>
        buildStageKinds(
          stageDependencies(config, (command, payload) => client.send(command, payload, interventionSchema) as ReturnType<InterventionsCommand>),
        ),
    },
  ],
  exports: [STAGE_RUNTIME],
})
export class StagesModule {}
