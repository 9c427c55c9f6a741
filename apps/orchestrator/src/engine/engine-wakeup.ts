import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection, Subscription } from 'nats';
import { APP_CONFIG, CLOCK, Clock, NATS_CONNECTION } from '@wfp/platform';
import { OrchestratorConfig } from '../config';

/** Due work further away than this is left to polling (which finds it within one interval). */
const NOTIFY_HORIZON_MS = 60_000;

/**
 * Wake-ups, not polling: a commit that creates work due soon calls `notify(dueAt)`; every
 * replica's workers (this process directly, the others through the core-NATS subject
 * `<namespace>.orchestrator.v1.work-due`, no queue group) wake at that time. A lost message only
 * costs latency: the workers still poll every `ORCHESTRATOR_POLL_INTERVAL_MS`.
 */
@Injectable()
export class EngineWakeup implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly listeners = new Set<() => void>();
  private pending = false;
  private subscription?: Subscription;
  private alarm?: { at: number; timer: NodeJS.Timeout };
  private readonly subject: string;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) config: OrchestratorConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.subject = `${config.NATS_NAMESPACE}.orchestrator.v1.work-due`;
  }

  onApplicationBootstrap(): void {
    this.subscription = this.nc.subscribe(this.subject, {
      callback: (error, message) => {
        const at = error ? NaN : Number(message.string());
        if (Number.isFinite(at)) this.wakeAt(at);
      },
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
    if (this.alarm) clearTimeout(this.alarm.timer);
    this.wake();
  }

  /** Work becomes due at `dueAt` (after the commit that created it): wake every replica then. */
  notify(dueAt: Date): void {
    const at = dueAt.getTime();
    if (at - this.clock.now().getTime() > NOTIFY_HORIZON_MS) return;
    this.wakeAt(at);
    if (!this.nc.isClosed()) this.nc.publish(this.subject, String(at));
  }

  /** Wakes this process's workers at `at` (clock time), or now if it has passed. */
  wakeAt(at: number): void {
    const delay = at - this.clock.now().getTime();
    if (delay <= 0) return this.wake();
    if (this.alarm && this.alarm.at <= at) return;
    if (this.alarm) clearTimeout(this.alarm.timer);
    const timer = setTimeout(() => {
      this.alarm = undefined;
      this.wake();
    }, delay);
    timer.unref();
    this.alarm = { at, timer };
  }

  /** Wakes every waiting worker loop now. */
  wake(): void {
    if (this.listeners.size === 0) this.pending = true;
    for (const listener of [...this.listeners]) listener();
  }

  /** Resolves on the next wake-up or after `ms`, whichever comes first. */
  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.listeners.add(done);
    });
  }
}
