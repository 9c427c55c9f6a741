import { randomUUID } from 'node:crypto';
import { connect, NatsConnection, StringCodec } from 'nats';
import { SDK } from '@formance/formance-sdk';
import { EventEnvelope, eventsStreamName, eventSubject } from '@wfp/contracts';
import { PlatformUnderTest, testNatsUrl } from '@wfp/testing';

export const CLIENT_ID = 'triggers-e2e';
export const CLIENT_SECRET = 'triggers-e2e-secret';

export function sdkFor(platform: PlatformUnderTest): SDK {
  return new SDK({ serverURL: platform.url, security: { clientID: CLIENT_ID, clientSecret: CLIENT_SECRET } });
}

export async function token(platform: PlatformUnderTest): Promise<string> {
  const res = await fetch(`${platform.url}/api/auth/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      scope: 'orchestration:read orchestration:write',
    }),
  });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Publishes events straight onto the bus (as an external system with NATS does) and reads the stream. */
export class Bus {
  private readonly sc = StringCodec();
  private constructor(
    readonly nc: NatsConnection,
    private readonly namespace: string,
  ) {}

  static async connect(namespace: string): Promise<Bus> {
    return new Bus(await connect({ servers: testNatsUrl() }), namespace);
  }

  envelope(app: string, version: string, type: string, payload: Record<string, unknown>, id = randomUUID()): EventEnvelope {
    return { id, idempotency_key: id, date: new Date().toISOString(), app, version, type, payload };
  }

  /** `Nats-Msg-Id` defaults to the event id (JetStream drops a duplicate within its window). */
  async publish(envelope: EventEnvelope, msgID = envelope.id): Promise<void> {
    await this.nc.jetstream().publish(
      eventSubject(this.namespace, envelope.app, envelope.version, envelope.type),
      this.sc.encode(JSON.stringify(envelope)),
      { msgID },
    );
  }

  async events(type: string): Promise<EventEnvelope[]> {
    const jsm = await this.nc.jetstreamManager();
    const stream = eventsStreamName(this.namespace);
    const info = await jsm.streams.info(stream);
    const out: EventEnvelope[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
      if (!msg) continue;
      const envelope = JSON.parse(this.sc.decode(msg.data)) as EventEnvelope;
      if (envelope.type === type) out.push(envelope);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}
