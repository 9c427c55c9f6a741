/**
 * What the platform's JetStream consumers share: the durable consumer's settings on the server
 * (created once, then updated in place so a redeploy with new limits takes effect without losing
 * its position) and its pending / ack-pending gauges, read from JetStream when /metrics is scraped.
 */
import { AckPolicy, DeliverPolicy, JetStreamManager, nanos } from 'nats';
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
    await jsm.consumers.add(stream, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: settings.deliverPolicy ?? DeliverPolicy.All,
      ...limits,
    });
  }
}

/** Registers the consumer's pending gauges; returns what unregisters them. */
export function observeConsumerPending(jsm: JetStreamManager, stream: string, name: string): () => void {
  const info = () => jsm.consumers.info(stream, name);
  const removers = [
    gauges.consumerPending.add(async () => [{ labels: { consumer: name }, value: (await info()).num_pending }]),
    gauges.consumerAckPending.add(async () => [{ labels: { consumer: name }, value: (await info()).num_ack_pending }]),
  ];
  return () => removers.forEach((remove) => remove());
}
