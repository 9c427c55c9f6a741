import { Injectable } from '@nestjs/common';

/** In-process hint that work became due now (the worker also polls: this only cuts latency). */
@Injectable()
export class EngineWakeup {
  private listeners = new Set<() => void>();
  private pending = false;

  wake(): void {
    if (this.listeners.size === 0) this.pending = true;
    for (const listener of [...this.listeners]) listener();
  }

  /** Resolves on the next wake() or after `ms`, whichever comes first. */
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
