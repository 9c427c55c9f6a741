import { Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, CommandClient, natsServers } from '@wfp/platform';
import {
  COMMANDS,
  Reply,
  startInstanceReplyDataSchema,
  StartInstanceRequestInput,
  Workflow,
  WorkflowInstance,
  workflowInstanceSchema,
  workflowSchema,
} from '@wfp/contracts';
import type { TriggersConfig } from '../config';

/** The orchestrator's commands the triggers service uses (over NATS, through the contracts). */
@Injectable()
export class OrchestratorClient extends CommandClient implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(APP_CONFIG) config: TriggersConfig) {
    super({
      servers: natsServers(config.NATS_URL),
      namespace: config.NATS_NAMESPACE,
      timeoutMs: config.TRIGGERS_ORCHESTRATOR_TIMEOUT_MS,
      name: 'triggers-orchestrator-client',
    });
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  getWorkflow(id: string, requestId?: string): Promise<Reply<Workflow>> {
    return this.send(COMMANDS.orchestrator.getWorkflow, { id }, workflowSchema, { requestId });
  }

  getInstance(id: string, requestId?: string): Promise<Reply<WorkflowInstance>> {
    return this.send(COMMANDS.orchestrator.getInstance, { id }, workflowInstanceSchema, { requestId });
  }

  startInstance(request: StartInstanceRequestInput, requestId?: string): Promise<Reply<WorkflowInstance>> {
    return this.send(COMMANDS.orchestrator.startInstance, request, startInstanceReplyDataSchema, { requestId });
  }
}

@Global()
@Module({ providers: [OrchestratorClient], exports: [OrchestratorClient] })
export class OrchestratorClientModule {}
