import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { APP_CONFIG, CLOCK, Clock } from '@wfp/platform';
import { OrchestratorConfig } from '../../config';
import { EngineService } from './engine.service';
import { EngineWakeup } from '../engine-wakeup';

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
    for (let i = 0; i < this.config.ORCHESTRATOR_WORKER_CONCURRENCY; i++) this.loops.push(this.loop(i === 0));
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    for (let i = 0; i < this.loops.length; i++) this.wakeup.wake();
    await Promise.all(this.loops);
  }

  /**
   * One worker loop. Idle, it costs one cheap statement per wake-up (`nextDue`, no transaction)
   * and claims only when something is due. Only the first loop polls on the interval; the others
   * sleep until a wake-up — which the first sends when it finds a full batch (more work waiting).
   */
  private async loop(poller: boolean): Promise<void> {
    const { ORCHESTRATOR_CLAIM_BATCH: batch, ORCHESTRATOR_POLL_INTERVAL_MS: poll } = this.config;
    const idleWait = poller ? poll : poll * 20;
    let failures = 0;
    let claimNow = true;
    while (this.running) {
      let delay = idleWait;
      try {
        if (!claimNow) {
          const next = await this.engine.nextDue();
          const dueIn = next ? next.getTime() - this.clock.now().getTime() : Infinity;
          claimNow = dueIn <= 0;
          if (!claimNow) delay = Math.min(idleWait, dueIn);
        }
        if (claimNow) {
          const claimed = await this.engine.advanceDue(batch);
          failures = 0;
          claimNow = claimed >= batch;
          if (claimNow) {
            this.wakeup.wake(); // more is due: bring the other loops in
            continue;
          }
          delay = 0;
        }
        failures = 0;
      } catch (error) {
        failures++;
        claimNow = false;
        if (failures === 1 || failures % 20 === 0) this.logger.error({ err: error, failures }, 'engine worker step failed; retrying');
        delay = poll * Math.min(20, 2 ** failures);
      }
      if (!this.running) break;
      if (delay > 0) await this.wakeup.wait(delay);
    }
  }
}
