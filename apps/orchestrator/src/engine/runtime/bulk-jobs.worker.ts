import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { APP_CONFIG, CLOCK, Clock } from '@wfp/platform';
import type { OrchestratorConfig } from '../../config';
import { EngineWakeup } from '../engine-wakeup';
import { BulkJobsSystem } from '../systems/bulk-jobs.system';

/**
 * Runs bulk jobs: one loop that applies the next due chunk (BulkJobsSystem.runDue) while there is
 * one, then sleeps until the next job's pace allows a chunk, a wake-up, or the poll interval.
 * Off with the engine worker (`ORCHESTRATOR_WORKER_CONCURRENCY=0`).
 */
@Injectable()
export class BulkJobsWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly jobs: BulkJobsSystem,
    private readonly wakeup: EngineWakeup,
    private readonly logger: PinoLogger,
    @Inject(APP_CONFIG) private readonly config: OrchestratorConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.ORCHESTRATOR_WORKER_CONCURRENCY === 0) return;
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wakeup.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    const poll = this.config.ORCHESTRATOR_POLL_INTERVAL_MS;
    let failures = 0;
    while (this.running) {
      let delay = poll;
      try {
        if ((await this.jobs.runDue()) > 0) {
          failures = 0;
          continue;
        }
        const next = await this.jobs.nextDue();
        if (next) delay = Math.max(0, Math.min(poll, next.getTime() - this.clock.now().getTime()));
        failures = 0;
      } catch (error) {
        failures++;
        if (failures === 1 || failures % 20 === 0) this.logger.error({ err: error, failures }, 'bulk job step failed; retrying');
        delay = poll * Math.min(20, 2 ** failures);
      }
      if (!this.running) break;
      if (delay > 0) await this.wakeup.wait(delay);
    }
  }
}
