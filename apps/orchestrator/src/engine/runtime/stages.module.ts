import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { interventionSchema } from '@wfp/contracts';
import { APP_CONFIG, CommandClient, natsServers } from '@wfp/platform';
import type { OrchestratorConfig } from '../../config';
import { StageActor, StageKind } from '../core/stage-kind';
import { StageRegistry } from '../core/stage-resolution';
import { InterventionsCommand, StageDependencies } from '../stages/acting';
import { buildStageActors, STAGE_DEFINITIONS } from '../stages/registry';
import { STAGE_ACTORS, STAGE_REGISTRY } from '../stages/stage-registry.token';

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

export { STAGE_ACTORS, STAGE_REGISTRY };

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

/**
 * The stage kinds: `STAGE_REGISTRY`, the definitions (what workflows are validated against, what
 * the core resolves and starts stages with), and `STAGE_ACTORS`, the acting kinds' actors built
 * once with their dependencies from configuration (HTTP, the interventions service, the ledger).
 * `extraKinds` (tests) adds kinds to both.
 */
@Global()
@Module({})
export class StagesModule {
  static forRoot(extraKinds: readonly StageKind[] = []): DynamicModule {
    return {
      module: StagesModule,
      providers: [
        InterventionsClient,
        { provide: STAGE_REGISTRY, useValue: new Map([...STAGE_DEFINITIONS, ...extraKinds.map((kind) => [kind.kind, kind] as const)]) as StageRegistry },
        {
          provide: STAGE_ACTORS,
          inject: [APP_CONFIG, InterventionsClient],
          useFactory: (config: OrchestratorConfig, client: InterventionsClient): ReadonlyMap<string, StageActor> => {
            const actors = buildStageActors(
              stageDependencies(config, (command, payload) => client.send(command, payload, interventionSchema) as ReturnType<InterventionsCommand>),
            );
            const extra = extraKinds.flatMap((kind) => (kind.act ? [[kind.kind, { kind: kind.kind, act: kind.act.bind(kind) }] as const] : []));
            return new Map([...actors, ...extra]);
          },
        },
      ],
      exports: [STAGE_REGISTRY, STAGE_ACTORS],
    };
  }
}
