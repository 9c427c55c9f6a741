import { createHash } from 'node:crypto';
import { eventsSubjectRoot } from '@wfp/contracts';

/*
 * Consumers that read only some event types: nats-server 2.9 takes one filter subject per
 * consumer, so such a consumer reads one durable per event type.
 */

/**
 * The durable of `prefix` reading one event type: readable, unique per type (durable names allow
 * no dots, and `a.b` / `a_b` must not share one).
 */
export function typeDurableName(prefix: string, type: string): string {
  const readable = type.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 48);
  const hash = createHash('sha256').update(type).digest('hex').slice(0, 10);
  return `${prefix}-${readable}-${hash}`;
}

/** Every event of `type` in the namespace, of any app and version: `<namespace>.events.*.*.<type>`. */
export function eventTypeSubject(namespace: string, type: string): string {
  return `${eventsSubjectRoot(namespace)}.*.*.${type}`;
}
