import { Injectable, Module } from '@nestjs/common';

/**
 * Tells this replica's matcher that the trigger set changed (a trigger was created or deleted
 * here), so that it reads the durable of a new event type before the API answers — instead of
 * at its next refresh (TRIGGERS_SOURCES_REFRESH_MS): the first events after a create are matched
 * without that delay. Other replicas learn it from `triggers.generation` at their next refresh.
 */
@Injectable()
export class TriggerSetChanges {
  private readonly listeners: Array<() => Promise<void>> = [];

  listen(listener: () => Promise<void>): void {
    this.listeners.push(listener);
  }

  /** Runs every listener (their failures are theirs to log: the periodic refresh retries). */
  async changed(): Promise<void> {
    await Promise.all(this.listeners.map((listener) => listener().catch(() => undefined)));
  }
}

@Module({ providers: [TriggerSetChanges], exports: [TriggerSetChanges] })
export class TriggerSetChangesModule {}
