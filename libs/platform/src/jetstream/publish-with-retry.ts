import type { JetStreamClient, JetStreamPublishOptions, PubAck } from 'nats';

export interface PublishRetryOptions {
  /** Give up (rethrow the last error) once this much time has passed since the first attempt. */
  budgetMs: number;
  /** Pause before the first retry; doubles on each further retry (default 100 ms, capped at 1 s). */
  firstPauseMs?: number;
}

/**
 * Publishes to JetStream and retries while the cluster cannot acknowledge: a PubAck timeout or
 * "no responders" while a stream leader is being elected after a node loss, or the client
 * reconnecting to another server. Every attempt carries the same `Nats-Msg-Id` (pass `msgID`),
 * so a retry of a message that was in fact stored is dropped by the stream's duplicate window.
 * `duplicate` is reported only when the first attempt already found the id (a later attempt's
 * duplicate is most likely this call's own timed-out first attempt).
 */
export async function publishWithRetry(
  js: JetStreamClient,
  subject: string,
  data: Uint8Array,
  options: Partial<JetStreamPublishOptions> & { msgID: string },
  retry: PublishRetryOptions,
): Promise<PubAck> {
  const started = Date.now();
  let pause = retry.firstPauseMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    const left = retry.budgetMs - (Date.now() - started);
    try {
      const ack = await js.publish(subject, data, { ...options, timeout: Math.max(250, Math.min(options.timeout ?? left, left)) });
      return attempt === 1 ? ack : { ...ack, duplicate: false };
    } catch (error) {
      if (!isTransientPublishError(error) || Date.now() - started + pause >= retry.budgetMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(1000, pause * 2);
    }
  }
}

/** Errors a JetStream publish may raise while the cluster heals (worth retrying with the same msg id). */
export function isTransientPublishError(error: unknown): boolean {
  const e = error as { code?: string | number; message?: string };
  const code = String(e?.code ?? '');
  // TIMEOUT: no PubAck in time; 503: no responders (no stream leader yet); the others: reconnecting.
  // CONNECTION_CLOSED / CONNECTION_DRAINING are final (the service is stopping): not retried.
  if (['TIMEOUT', '503', 'DISCONNECT', 'CONNECTION_REFUSED', 'CONNECTION_TIMEOUT'].includes(code)) return true;
  return code === '' && /timeout|no responders|stream leader|temporarily unavailable/i.test(e?.message ?? '');
}
