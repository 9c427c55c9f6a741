import { JetStreamManager, RetentionPolicy, StorageType, nanos } from 'nats';
import { eventsStreamName, eventsSubjectRoot } from '@wfp/contracts';

/** How long JetStream remembers a `Nats-Msg-Id` to drop a re-published duplicate. */
export const EVENTS_DUPLICATE_WINDOW_MS = 2 * 60 * 1000;

/**
 * Creates the stream of domain events of a namespace (`<namespace>.events.>`) if it does not
 * exist, with `replicas` copies (R3 on a 3-node JetStream cluster: the loss of one node loses no
 * acknowledged event). Idempotent: every service that publishes or consumes events calls it at
 * start-up. An existing stream with fewer replicas is scaled up to `replicas` (never down: a
 * replica asking for fewer than the stream has leaves it as it is).
 */
export async function ensureEventsStream(jsm: JetStreamManager, namespace: string, replicas = 1): Promise<string> {
  const name = eventsStreamName(namespace);
  const subjects = [`${eventsSubjectRoot(namespace)}.>`];
  try {
    const info = await jsm.streams.info(name);
    if ((info.config.num_replicas ?? 1) < replicas) {
      await jsm.streams.update(name, { ...info.config, num_replicas: replicas });
    }
    return name;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  try {
    await jsm.streams.add({
      name,
      subjects,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: replicas,
      duplicate_window: nanos(EVENTS_DUPLICATE_WINDOW_MS),
      max_age: nanos(7 * 24 * 60 * 60 * 1000),
    });
  } catch {
    // Another service created it between our info and add.
    await jsm.streams.info(name);
  }
  return name;
}

export function isNotFound(error: unknown): boolean {
  const e = error as { code?: string | number; api_error?: { err_code?: number }; message?: string };
  return e?.code === '404' || e?.code === 404 || e?.api_error?.err_code === 10059 || /not found/i.test(e?.message ?? '');
}

/** The last sequence of a namespace's events stream (0 when it is empty or does not exist yet). */
export async function eventsStreamLastSeq(jsm: JetStreamManager, namespace: string): Promise<number> {
  try {
    return (await jsm.streams.info(eventsStreamName(namespace))).state.last_seq;
  } catch (error) {
    if (isNotFound(error)) return 0;
    throw error;
  }
}
