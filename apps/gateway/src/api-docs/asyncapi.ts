import { z } from 'zod';
import {
  COMMAND_CATALOG,
  EVENT_CATALOG,
  eventEnvelopeSchema,
  replyErrorSchema,
  REQUEST_ID_HEADER,
} from '@wfp/contracts';

/**
 * The AsyncAPI 3.0 document of the bus, generated from `libs/contracts` (`EVENT_CATALOG`,
 * `COMMAND_CATALOG`): every event subject with its envelope and payload schema, every command
 * subject with its request and reply. Served at `/asyncapi.json`, checked in as `docs/asyncapi.json`.
 */
export type AsyncApiDocument = Record<string, unknown> & { asyncapi: string; channels: Record<string, unknown> };

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { target: 'draft-07', unrepresentable: 'any', io, reused: 'inline' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

/** `intervention.opened` → `InterventionOpened`, `orchestrator.v1.workflows.get` → `OrchestratorV1WorkflowsGet`. */
function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1).toLowerCase())
    .join('');
}

const namespaceParameter = {
  description: 'The deployment namespace (`NATS_NAMESPACE`, default `wfp`).',
  default: 'wfp',
};
const anyToken = (what: string) => ({ description: `Any ${what} (the event is matched by its type).` });

let cached: AsyncApiDocument | undefined;

export function asyncApiDocument(): AsyncApiDocument {
  cached ??= buildAsyncApiDocument();
  return structuredClone(cached);
}

function buildAsyncApiDocument(): AsyncApiDocument {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  const named = new Map<string, string>();
  const ids = new WeakMap<z.ZodType, number>();
  let nextId = 0;

  /** A `$ref` to the schema in `components.schemas` (each zod schema converted once per direction). */
  const ref = (schema: z.ZodType, name: string, io: 'input' | 'output') => {
    if (!ids.has(schema)) ids.set(schema, nextId++);
    const key = `${ids.get(schema)}:${io}`;
    let id = named.get(key);
    if (!id) {
      id = name;
      for (let n = 2; schemas[id]; n++) id = `${name}${n}`;
      named.set(key, id);
      schemas[id] = jsonSchema(schema, io);
    }
    return { $ref: `#/components/schemas/${id}` };
  };
  schemas.EventEnvelope = jsonSchema(eventEnvelopeSchema, 'output');
  schemas.CommandError = jsonSchema(z.object({ ok: z.literal(false), error: replyErrorSchema }), 'output');

  for (const event of EVENT_CATALOG) {
    const id = `Event${pascal(event.app ?? '')}${pascal(event.version ?? '')}${pascal(event.type)}`;
    const payloadRef = ref(event.payload, event.payloadName, 'output');
    messages[id] = {
      name: event.type,
      title: event.type,
      summary: event.description,
      contentType: 'application/json',
      headers: {
        type: 'object',
        properties: { 'Nats-Msg-Id': { type: 'string', description: 'The envelope id: JetStream drops duplicates within its window.' } },
      },
      payload: {
        allOf: [
          { $ref: '#/components/schemas/EventEnvelope' },
          {
            type: 'object',
            properties: {
              ...(event.app ? { app: { const: event.app } } : {}),
              ...(event.version ? { version: { const: event.version } } : {}),
              type: { const: event.type },
              payload: payloadRef,
            },
          },
        ],
      },
    };
    channels[id] = {
      address: `{namespace}.events.${event.app ?? '{app}'}.${event.version ?? '{version}'}.${event.type}`,
      title: event.type,
      description: `${event.description} Published by ${event.publishedBy.join(', ') || '—'}; consumed by ${event.consumedBy.join(', ') || '— (for clients)'}. Stored in the JetStream stream \`<namespace>_EVENTS\`.`,
      parameters: {
        namespace: namespaceParameter,
        ...(event.app ? {} : { app: anyToken('app') }),
        ...(event.version ? {} : { version: anyToken('version') }),
      },
      messages: { [id]: { $ref: `#/components/messages/${id}` } },
    };
    operations[`publish${id}`] = {
      action: 'send',
      title: `Publish ${event.type}`,
      channel: { $ref: `#/channels/${id}` },
      messages: [{ $ref: `#/channels/${id}/messages/${id}` }],
    };
    operations[`consume${id}`] = {
      action: 'receive',
      title: `Consume ${event.type}`,
      channel: { $ref: `#/channels/${id}` },
      messages: [{ $ref: `#/channels/${id}/messages/${id}` }],
    };
  }

  channels.AnyEvent = {
    address: '{namespace}.events.{app}.{version}.{type}',
    title: 'Any event',
    description: 'Any domain event (for example one published with `POST /api/events`): Formance triggers match on `type` (and `version`), filters see `payload` as `event`.',
    parameters: { namespace: namespaceParameter, app: anyToken('app'), version: anyToken('version'), type: { description: 'Dot-separated event type.' } },
    messages: { AnyEvent: { $ref: '#/components/messages/AnyEvent' } },
  };
  messages.AnyEvent = { name: 'event', title: 'Event envelope', contentType: 'application/json', payload: { $ref: '#/components/schemas/EventEnvelope' } };
  operations.publishAnyEvent = {
    action: 'send',
    title: 'Publish any event',
    channel: { $ref: '#/channels/AnyEvent' },
    messages: [{ $ref: '#/channels/AnyEvent/messages/AnyEvent' }],
  };

  const requestIdHeader = { type: 'object', properties: { [REQUEST_ID_HEADER]: { type: 'string', description: 'The HTTP request id, logged by the service.' } } };
  for (const [command, entry] of Object.entries(COMMAND_CATALOG)) {
    const id = pascal(command);
    const reply = {
      oneOf: [
        { type: 'object', properties: { ok: { const: true }, data: ref(entry.reply, `${id}Data`, 'output') }, required: ['ok', 'data'] },
        { $ref: '#/components/schemas/CommandError' },
      ],
    };
    messages[`${id}Request`] = {
      name: `${command} request`,
      contentType: 'application/json',
      headers: requestIdHeader,
      payload: ref(entry.request, `${id}Request`, 'input'),
    };
    messages[`${id}Reply`] = { name: `${command} reply`, contentType: 'application/json', payload: reply };
    channels[id] = {
      address: `{namespace}.${command}`,
      title: command,
      description: `Command served by the ${entry.service} service (queue group \`<namespace>.${entry.service}\`).`,
      parameters: { namespace: namespaceParameter },
      messages: {
        [`${id}Request`]: { $ref: `#/components/messages/${id}Request` },
        [`${id}Reply`]: { $ref: `#/components/messages/${id}Reply` },
      },
    };
    operations[`call${id}`] = {
      action: 'send',
      title: `Call ${command}`,
      channel: { $ref: `#/channels/${id}` },
      messages: [{ $ref: `#/channels/${id}/messages/${id}Request` }],
      reply: { messages: [{ $ref: `#/channels/${id}/messages/${id}Reply` }] },
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Workflow platform bus',
      version: 'v1',
      description:
        'NATS subjects of the platform. Domain events (JetStream, at-least-once, deduplicated by `Nats-Msg-Id`) ' +
        'under `<namespace>.events.<app>.<version>.<type>`; commands (request/reply, `{ok, data}` or `{ok: false, error}`) ' +
        'under `<namespace>.<service>.v1.<command>`.',
    },
    defaultContentType: 'application/json',
    servers: {
      local: { host: '127.0.0.1:4222', protocol: 'nats', description: 'The local NATS server (`NATS_URL`), with JetStream.' },
    },
    channels,
    operations,
    components: { messages, schemas },
  };
}
