/** Publishing domain events onto the bus as an external system does, and the triggers' commands. */
import { randomUUID } from 'node:crypto';
import { JetStreamClient, StringCodec } from 'nats';
import { z } from 'zod';
import { COMMANDS, EventEnvelope, eventSubject, triggerOccurrenceSchema, triggerSchema } from '@wfp/contracts';
import type { BenchPlatform } from './platform';

const sc = StringCodec();

export function publisher(platform: BenchPlatform): (type: string, payload: Record<string, unknown>) => Promise<EventEnvelope> {
  const js: JetStreamClient = platform.nc.jetstream();
  return async (type, payload) => {
    const id = randomUUID();
    const envelope: EventEnvelope = { id, idempotency_key: id, date: new Date().toISOString(), app: 'bench', version: 'v1', type, payload };
    await js.publish(eventSubject(platform.namespace, 'bench', 'v1', type), sc.encode(JSON.stringify(envelope)), { msgID: id });
    return envelope;
  };
}

export async function createTrigger(platform: BenchPlatform, data: Record<string, unknown>): Promise<string> {
  const reply = await platform.commands.send(COMMANDS.triggers.createTrigger, { data }, triggerSchema);
  if (!reply.ok) throw new Error(`createTrigger: ${reply.error.message}`);
  return reply.data.id;
}

/** Creates many triggers through the API, `concurrency` at a time. */
export async function createTriggers(platform: BenchPlatform, all: Array<Record<string, unknown>>, concurrency = 16): Promise<string[]> {
  const ids: string[] = new Array(all.length);
  let next = 0;
  const worker = async () => {
    while (next < all.length) {
      const i = next++;
      ids[i] = await createTrigger(platform, all[i]);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ids;
}

/** event id → instance id of a trigger's occurrences (the triggers API, pages of 500). */
export async function occurrenceInstances(platform: BenchPlatform, triggerId: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let after: { createdAt: string; id: string } | undefined;
  for (;;) {
    const reply = await platform.commands.send(
      COMMANDS.triggers.listOccurrences,
      { id: triggerId, page: { limit: 500, ...(after ? { after } : {}) } },
      z.array(triggerOccurrenceSchema),
      { timeoutMs: 300_000 },
    );
    if (!reply.ok) throw new Error(`listOccurrences: ${reply.error.message}`);
    for (const o of reply.data) if (o.workflowInstanceID) out.set((o.event as { id: string }).id, o.workflowInstanceID);
    if (reply.data.length < 500) return out;
    const last = reply.data[reply.data.length - 1];
    after = { createdAt: last.date, id: last.id };
  }
}
