import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { APP_CONFIG } from '@wfp/platform';
import { OrchestratorConfig } from '../config';
import { EngineService } from './engine.service';
import { EngineWakeup } from './engine-wakeup';

/**
 * Runs due work: `ORCHESTRATOR_WORKER_CONCURRENCY` loops, each claiming one due timer per
 * transaction. Polls every `ORCHESTRATOR_POLL_INTERVAL_MS` (the source of truth is the timers
 * table; the in-process wake-up only cuts latency).
 */
@Injectable()
export class EngineWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly engine: EngineService,
    private readonly wakeup: EngineWakeup,
    @Inject(APP_CONFIG) private readonly config: OrchestratorConfig,
    private readonly logger: PinoLogger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.ORCHESTRATOR_WORKER_CONCURRENCY === 0) return;
    this.running = true;
    for (let i = 0; i < this.config.ORCHESTRATOR_WORKER_CONCURRENCY; i++) this.loops.push(this.loop());
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    for (let i = 0; i < this.loops.length; i++) this.wakeup.wake();
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        if (await this.engine.runOneDue()) {
          failures = 0;
          continue;
        }
        failures = 0;
      } catch (error) {
        failures++;
        if (failures === 1 || failures % 20 === 0) this.logger.error({ err: error, failures }, 'engine worker step failed; retrying');
      }
      if (!this.running) break;
      const delay = this.config.ORCHESTRATOR_POLL_INTERVAL_MS * (failures > 0 ? Math.min(20, 2 ** failures) : 1);
      await this.wakeup.wait(delay);
    }
  }
}
