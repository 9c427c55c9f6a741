import type { ConsumerInfo, JetStreamManager } from 'nats';
import { eventsStreamName } from '@wfp/contracts';

/*
 * Consumers that read one durable per event type (libs/platform type-durables.ts): the triggers
 * service's matcher (`triggers-matching-<type>-<hash>`) and the orchestrator's bus waits
 * (`orchestrator-bus-waits-<type>-<hash>`).
 */
const MATCHING_DURABLE_PREFIX = 'triggers-matching-';
const BUS_WAIT_DURABLE_PREFIX = 'orchestrator-bus-waits-';

/** The durables in a namespace whose names start with `prefix`. */
async function durablesNamed(jsm: JetStreamManager, namespace: string, prefix: string): Promise<ConsumerInfo[]> {
  const infos: ConsumerInfo[] = [];
  for await (const info of jsm.consumers.list(eventsStreamName(namespace))) {
    if (info.name.startsWith(prefix)) infos.push(info);
  }
  return infos;
}

const ofType = (infos: ConsumerInfo[], type: string) => infos.find((info) => info.config.filter_subject?.endsWith(`.*.*.${type}`));

/** The matcher's durables in a namespace (one per event type some trigger matches). */
export function matchingDurables(jsm: JetStreamManager, namespace: string): Promise<ConsumerInfo[]> {
  return durablesNamed(jsm, namespace, MATCHING_DURABLE_PREFIX);
}

/** The matcher's durable reading events of `type`, if there is one. */
export async function matchingDurableOf(jsm: JetStreamManager, namespace: string, type: string): Promise<ConsumerInfo | undefined> {
  return ofType(await matchingDurables(jsm, namespace), type);
}

/** The orchestrator's bus-wait durables in a namespace (one per event type some wait has named). */
export function busWaitDurables(jsm: JetStreamManager, namespace: string): Promise<ConsumerInfo[]> {
  return durablesNamed(jsm, namespace, BUS_WAIT_DURABLE_PREFIX);
}

/** The orchestrator's bus-wait durable reading events of `type`, if there is one. */
export async function busWaitDurableOf(jsm: JetStreamManager, namespace: string, type: string): Promise<ConsumerInfo | undefined> {
  return ofType(await busWaitDurables(jsm, namespace), type);
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
