import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { NatsConnection } from 'nats';
import { PinoLogger } from 'nestjs-pino';
import { ObjectId } from 'bson';
import {
  CONTENT_CREATED_EVENT_TYPE,
  ContentCreatedPayload,
  contentCreatedPayloadSchema,
  EventEnvelope,
  eventsStreamName,
  eventsSubjectRoot,
} from '@wfp/contracts';
import { APP_CONFIG, CommonConfig, DurableConsumer, ensureEventsStream, NATS_CONNECTION } from '@wfp/platform';
import { INTERVENTIONS_SCHEMA } from '../database/schema';

/**
 * Stores a customer message (`content.created` from the bus) exactly once: creates its thread and
 * identity when new, and attaches it to the open intervention of that thread and identity.
 */
export async function storeCustomerContent(m: EntityManager, c: ContentCreatedPayload, now: Date): Promise<void> {
  const sources: unknown[] = await m.query(`SELECT 1 FROM interventions.sources WHERE id = $1`, [c.source_id]);
  if (!sources.length) throw new Error(`unknown source ${c.source_id}`);
  await m.query(`INSERT INTO interventions.threads (id, source_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [c.thread_id, c.source_id]);
  const identities: unknown[] = await m.query(`SELECT 1 FROM interventions.identities WHERE id = $1`, [c.identity_id]);
  if (!identities.length) {
    const group = new ObjectId().toHexString();
    await m.query(`INSERT INTO interventions.identity_groups (id) VALUES ($1)`, [group]);
    await m.query(`INSERT INTO interventions.identities (id, identity_group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [c.identity_id, group]);
  }
  await m.query(
    `INSERT INTO interventions.contents (id, source_id, thread_id, identity_id, body, created_at, intervention_id)
     SELECT $1, t.source_id, t.id, $3, $4, $5,
            (SELECT i.id FROM interventions.interventions i
              WHERE i.thread_id = t.id AND i.identity_id = $3 AND i.closed_at IS NULL LIMIT 1)
       FROM interventions.threads t WHERE t.id = $2
     ON CONFLICT DO NOTHING`,
    [c.id, c.thread_id, c.identity_id, c.body, c.created_at ? new Date(c.created_at) : now],
  );
}

@Injectable()
export class ContentsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: DurableConsumer;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) private readonly config: CommonConfig,
    private readonly logger: PinoLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const namespace = this.config.NATS_NAMESPACE;
    const jsm = await this.nc.jetstreamManager();
    await ensureEventsStream(jsm, namespace, this.config.NATS_STREAM_REPLICAS);
    this.consumer = new DurableConsumer({
      js: this.nc.jetstream(),
      jsm,
      dataSource: this.dataSource,
      schema: INTERVENTIONS_SCHEMA,
      stream: eventsStreamName(namespace),
      name: 'interventions-contents',
      filterSubject: `${eventsSubjectRoot(namespace)}.*.*.${CONTENT_CREATED_EVENT_TYPE}`,
      logger: this.logger.logger.child({ component: 'contents-consumer' }),
      handler: (envelope: EventEnvelope, manager: EntityManager) =>
        storeCustomerContent(manager, contentCreatedPayloadSchema.parse(envelope.payload), new Date(envelope.date)),
    });
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
