import { NatsConnection, StringCodec } from 'nats';
import { EventEnvelope, eventsStreamName, eventSubject } from '@wfp/contracts';

/**
 * Every event of one type on a namespace's events stream, in stream order, read by an ordered
 * consumer filtered on its subject (one subject as a string: `filter_subject` — the local
 * nats-server predates 2.10's `filter_subjects`).
 */
export async function streamEventsOfType(nc: NatsConnection, namespace: string, app: string, version: string, type: string): Promise<EventEnvelope[]> {
  const sc = StringCodec();
  const consumer = await nc.jetstream().consumers.get(eventsStreamName(namespace), { filterSubjects: eventSubject(namespace, app, version, type) });
  const out: EventEnvelope[] = [];
  for (;;) {
    let got = 0;
    for await (const msg of await consumer.fetch({ max_messages: 500, expires: 1000 })) {
      out.push(JSON.parse(sc.decode(msg.data)) as EventEnvelope);
      got++;
    }
    if (got === 0) return out;
  }
}
