import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { APP_CONFIG, CLOCK, Clock } from '@wfp/platform';
import { OrchestratorConfig } from '../config';
import { EngineService } from './engine.service';
import { EngineWakeup } from './engine-wakeup';

/**
 * Runs due work: `ORCHESTRATOR_WORKER_CONCURRENCY` loops, each claiming up to
 * `ORCHESTRATOR_CLAIM_BATCH` due timers per transaction. A loop that found a full batch goes
 * again at once; otherwise it sleeps until a wake-up (EngineWakeup), the next timer's due time,
 * or `ORCHESTRATOR_POLL_INTERVAL_MS` — whichever comes first. The timers table is the source of
 * truth; wake-ups only cut latency.
 */
@Injectable()
export class EngineWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly engine: EngineService,
    private readonly wakeup: EngineWakeup,
    @Inject(APP_CONFIG) private readonly config: OrchestratorConfig,
    @Inject(CLOCK) private readonly clock: Clock,
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
    const { ORCHESTRATOR_CLAIM_BATCH: batch, ORCHESTRATOR_POLL_INTERVAL_MS: poll } = this.config;
    let failures = 0;
    while (this.running) {
      let delay = poll;
      try {
        if ((await this.engine.advanceDue(batch)) >= batch) {
          failures = 0;
          continue;
        }
        failures = 0;
        const next = await this.engine.nextDue();
        if (next) delay = Math.max(0, Math.min(poll, next.getTime() - this.clock.now().getTime()));
      } catch (error) {
        failures++;
        if (failures === 1 || failures % 20 === 0) this.logger.error({ err: error, failures }, 'engine worker step failed; retrying');
        delay = poll * Math.min(20, 2 ** failures);
      }
      if (!this.running) break;
      if (delay > 0) await this.wakeup.wait(delay);
    }
  }
}
