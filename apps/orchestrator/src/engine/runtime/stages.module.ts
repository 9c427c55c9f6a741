import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { interventionSchema } from '@wfp/contracts';
import { APP_CONFIG, CommandClient, natsServers } from '@wfp/platform';
import type { OrchestratorConfig } from '../../config';
import { StageKind } from '../core/stage-kind';
import { StageRegistry } from '../core/stage-resolution';
import { InterventionsCommand, StageDependencies } from '../stages/acting';
import { buildStageKinds } from '../stages/registry';
import { STAGE_REGISTRY } from '../stages/stage-registry.token';

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

/**
 * THE stage registry (`STAGE_REGISTRY`): every kind, built once with its configured dependencies
 * — what workflows are validated against, what the core resolves and starts stages with, what the
 * act system calls `act` on.
 */
export { STAGE_REGISTRY };

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

/** The stage registry (acting stages' dependencies — HTTP, the interventions service, the ledger — from configuration). */
@Global()
@Module({})
export class StagesModule {
  static forRoot(extraKinds: readonly StageKind[] = []): DynamicModule {
    return {
      module: StagesModule,
      providers: [
        InterventionsClient,
        {
          provide: STAGE_REGISTRY,
          inject: [APP_CONFIG, InterventionsClient],
          useFactory: (config: OrchestratorConfig, client: InterventionsClient): StageRegistry => {
            const kinds = buildStageKinds(
              stageDependencies(config, (command, payload) => client.send(command, payload, interventionSchema) as ReturnType<InterventionsCommand>),
            );
            return new Map([...kinds, ...extraKinds.map((kind) => [kind.kind, kind] as const)]);
          },
        },
      ],
      exports: [STAGE_REGISTRY],
    };
  }
}
