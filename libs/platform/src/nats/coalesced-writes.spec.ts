import { connect, NatsConnection } from 'nats';
import { coalesceWrites } from './coalesced-writes';

/** A stand-in for nats.js's protocol handler: a queue of buffers and a write counter. */
function fakeProtocol(pendingLimit = 1024) {
  const queued: Uint8Array[] = [];
  const writes: string[] = [];
  const protocol = {
    pendingLimit,
    outbound: {
      length: () => queued.length,
      size: () => queued.reduce((sum, b) => sum + b.length, 0),
      fill: (...data: Uint8Array[]) => void queued.push(...data),
    },
    flushPending() {
      if (queued.length === 0) return;
      writes.push(queued.splice(0).map((b) => Buffer.from(b).toString()).join(''));
    },
    sendCommand: (...command: Array<string | Uint8Array>): void => {
      throw new Error(`not patched: ${command.length} parts`);
    },
  };
  return { nc: { protocol } as unknown as NatsConnection, protocol, writes };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesceWrites', () => {
  it('writes the commands of one event-loop turn in one write, in order, once the I/O callbacks ran', async () => {
    const { nc, protocol, writes } = fakeProtocol();
    coalesceWrites(nc);
    protocol.sendCommand('PUB a 1\r\n', Buffer.from('x'));
    await Promise.resolve(); // a microtask later (where nats.js wrote): still queued
    protocol.sendCommand(Buffer.from('PUB b 1\r\n'), Buffer.from('y'));
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['PUB a 1\r\nxPUB b 1\r\ny']);
    protocol.sendCommand('UNSUB 1\r\n');
    await nextTurn();
    expect(writes).toEqual(['PUB a 1\r\nxPUB b 1\r\ny', 'UNSUB 1\r\n']);
  });

  it('still writes at once a queue over the threshold', () => {
    const { nc, protocol, writes } = fakeProtocol(8);
    coalesceWrites(nc);
    protocol.sendCommand('PUB a 4\r\n');
    expect(writes).toEqual([]);
    protocol.sendCommand('PUB b 4\r\n');
    expect(writes).toEqual(['PUB a 4\r\nPUB b 4\r\n']);
  });

  it('leaves a connection of another shape alone', () => {
    const nc = { protocol: { sendCommand: 1 } } as unknown as NatsConnection;
    coalesceWrites(nc);
    expect((nc as unknown as { protocol: { sendCommand: number } }).protocol.sendCommand).toBe(1);
  });

  describe('on a real nats.js connection', () => {
    let nc: NatsConnection;
    beforeAll(async () => {
      nc = await connect({ servers: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222', name: 'coalesced-writes-spec' });
    });
    afterAll(() => nc.close());

    it('finds the internals it patches, and requests, replies and flushes still work', async () => {
      const protocol = (nc as unknown as { protocol: { sendCommand: unknown } }).protocol;
      const original = protocol.sendCommand;
      coalesceWrites(nc);
      expect(protocol.sendCommand).not.toBe(original);
      const subject = `coalesced-writes-spec.${process.pid}.${Date.now()}`;
      nc.subscribe(subject, { callback: (_err, msg) => msg.respond(msg.data) });
      await nc.flush();
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => nc.request(subject, Buffer.from(String(i)), { timeout: 5000 })));
      expect(replies.map((m) => Buffer.from(m.data).toString())).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
      await expect(nc.flush()).resolves.toBeUndefined();
    });
  });
});
