import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { eventsStreamName } from '@wfp/contracts';

/** NATS server of the tests: TEST_NATS_URL, else the local default. */
export function testNatsUrl(): string {
  return process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
}

/** A NATS namespace of its own for one test run, so parallel runs never answer each other. */
export function createTestNamespace(label = 'run'): string {
  return `t_${label.replace(/[^A-Za-z0-9_-]/g, '_')}_${randomBytes(4).toString('hex')}`;
}

/** Removes what a test run left on JetStream (its events stream, the stream's consumers, its KV secrets). */
export async function removeTestNamespace(namespace: string, natsUrl = testNatsUrl()): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(eventsStreamName(namespace)).catch(() => false);
    // The gateways' generated shared secrets (libs/platform sharedSecretsBucket).
    await jsm.streams.delete(`KV_${namespace}_shared_secrets`).catch(() => false);
  } finally {
    await nc.close();
  }
}
