import { randomBytes } from 'node:crypto';
import type { NatsConnection } from 'nats';

/** The JetStream KV bucket holding a namespace's generated shared secrets. */
export function sharedSecretsBucket(namespace: string): string {
  return `${namespace}_shared_secrets`;
}

/**
 * A secret shared by every replica of a namespace, generated once: the first replica to ask
 * stores 32 random bytes (hex) under `key` in the JetStream KV bucket `<namespace>_shared_secrets`
 * (created if absent, with `replicas` copies) using a create-if-absent write; every other replica,
 * and every later start, reads that same value. Concurrent first starts agree (KV create is atomic
 * on the stream leader). Anyone allowed to read that bucket can read the secret: protect it with
 * NATS accounts/permissions, or set the secret from a secret store instead.
 */
export async function sharedSecret(nc: NatsConnection, namespace: string, key: string, replicas = 1, attempts = 10): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await createOrRead(nc, namespace, key, replicas);
    } catch (error) {
      // A bucket just created by another replica may not answer reads for a moment (R3 catching up).
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

async function createOrRead(nc: NatsConnection, namespace: string, key: string, replicas: number): Promise<string> {
  const kv = await nc.jetstream().views.kv(sharedSecretsBucket(namespace), { replicas, history: 1 });
  const candidate = randomBytes(32).toString('hex');
  try {
    await kv.create(key, new TextEncoder().encode(candidate));
    return candidate;
  } catch (error) {
    // "wrong last sequence": another replica (or an earlier start) created it; read theirs.
    const entry = await kv.get(key);
    if (!entry || entry.operation !== 'PUT' || entry.value.length < 32) throw error;
    return entry.string();
  }
}
