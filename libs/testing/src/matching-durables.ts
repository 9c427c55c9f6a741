import type { ConsumerInfo, JetStreamManager } from 'nats';
import { eventsStreamName } from '@wfp/contracts';

/** Durables of the triggers service's matcher are named `triggers-matching-<type>-<hash>`. */
const MATCHING_DURABLE_PREFIX = 'triggers-matching-';

/** The matcher's durables in a namespace (one per event type some trigger matches). */
export async function matchingDurables(jsm: JetStreamManager, namespace: string): Promise<ConsumerInfo[]> {
  const infos: ConsumerInfo[] = [];
  for await (const info of jsm.consumers.list(eventsStreamName(namespace))) {
    if (info.name.startsWith(MATCHING_DURABLE_PREFIX)) infos.push(info);
  }
  return infos;
}

/** The matcher's durable reading events of `type`, if there is one. */
export async function matchingDurableOf(jsm: JetStreamManager, namespace: string, type: string): Promise<ConsumerInfo | undefined> {
  return (await matchingDurables(jsm, namespace)).find((info) => info.config.filter_subject?.endsWith(`.*.*.${type}`));
}

/** Pending, ack-pending and redelivered messages summed over the matcher's durables. */
export async function matchingBacklog(jsm: JetStreamManager, namespace: string): Promise<{ pending: number; ackPending: number; redelivered: number }> {
  const infos = await matchingDurables(jsm, namespace);
  return {
    pending: infos.reduce((n, info) => n + info.num_pending, 0),
    ackPending: infos.reduce((n, info) => n + info.num_ack_pending, 0),
    redelivered: infos.reduce((n, info) => n + info.num_redelivered, 0),
  };
}
