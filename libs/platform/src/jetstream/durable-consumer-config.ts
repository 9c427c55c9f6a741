/**
 * What the platform's JetStream consumers share: the durable consumer's settings on the server
 * (created once, then updated in place so a redeploy with new limits takes effect without losing
 * its position) and its pending / ack-pending gauges, read from JetStream when /metrics is scraped.
 */
import { AckPolicy, ConsumerInfo, DeliverPolicy, JetStreamManager, nanos } from 'nats';
import { gauges } from '../observability/metrics';
import { isNotFound } from './events-stream';

export interface DurableConsumerSettings {
  stream: string;
  name: string;
  filterSubject: string;
  maxDeliver: number;
  ackWaitMs: number;
  maxAckPending: number;
  deliverPolicy?: DeliverPolicy;
  /** Where a durable created now starts (a stream sequence); an existing durable keeps its position. */
  startSeq?: number;
  /** …or the first message stored at or after this time (when no `startSeq` is given). */
  startTime?: Date;
}

/** Creates the durable consumer, or updates the limits of the existing one. */
export async function ensureDurableConsumer(jsm: JetStreamManager, settings: DurableConsumerSettings): Promise<void> {
  const { stream, name } = settings;
  const limits = {
    max_deliver: settings.maxDeliver,
    ack_wait: nanos(settings.ackWaitMs),
    max_ack_pending: settings.maxAckPending,
    filter_subject: settings.filterSubject,
  };
  try {
    await jsm.consumers.info(stream, name);
    await jsm.consumers.update(stream, name, limits);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    const start =
      settings.startSeq !== undefined
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, settings.startSeq) }
        : settings.startTime !== undefined
          ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: settings.startTime.toISOString() }
          : { deliver_policy: settings.deliverPolicy ?? DeliverPolicy.All };
    try {
      await jsm.consumers.add(stream, { durable_name: name, ack_policy: AckPolicy.Explicit, ...start, ...limits });
    } catch (addError) {
      // Another replica created it between our info and add: theirs stands (same subject, an earlier or equal start).
      await jsm.consumers.info(stream, name).catch(() => {
        throw addError;
      });
    }
  }
}

/** The durable's info, or undefined when it does not exist. */
export async function durableInfo(jsm: JetStreamManager, stream: string, name: string): Promise<ConsumerInfo | undefined> {
  try {
    return await jsm.consumers.info(stream, name);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Deletes the durable; one that is already gone is no error. */
export async function deleteDurable(jsm: JetStreamManager, stream: string, name: string): Promise<void> {
  try {
    await jsm.consumers.delete(stream, name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Registers the consumer's pending gauges; returns what unregisters them. */
export function observeConsumerPending(jsm: JetStreamManager, stream: string, name: string): () => void {
  return observeConsumersPending(jsm, stream, name, () => [name]);
}

/**
 * Registers pending gauges labelled `label` that sum over the durables `durables()` names when
 * /metrics is scraped (one consumer of several filter subjects, one durable per subject).
 */
export function observeConsumersPending(jsm: JetStreamManager, stream: string, label: string, durables: () => string[]): () => void {
  const sum = async (field: 'num_pending' | 'num_ack_pending') => {
    const infos = await Promise.all(durables().map((name) => jsm.consumers.info(stream, name).catch(() => undefined)));
    return infos.reduce((total, info) => total + (info?.[field] ?? 0), 0);
  };
  const removers = [
    gauges.consumerPending.add(async () => [{ labels: { consumer: label }, value: await sum('num_pending') }]),
    gauges.consumerAckPending.add(async () => [{ labels: { consumer: label }, value: await sum('num_ack_pending') }]),
  ];
  return () => removers.forEach((remove) => remove());
}
