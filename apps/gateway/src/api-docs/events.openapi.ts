import { ingestEventBodySchema, ingestEventResponseSchema } from '../event-ingest/events-wire';
import { plainErrorSchema } from '../http/error-renderers';
import { buildOpenApiDocument, json, named, OpenApiDocument } from './openapi-builder';

/** `POST /api/events`: publish a domain event onto the bus over HTTP. */
export function eventsDocument(): OpenApiDocument {
  return buildOpenApiDocument(
    {
      title: 'Events',
      version: 'v1',
      basePath: '/',
      description:
        'Publishes a domain event onto the bus (JetStream subject `<namespace>.events.<app>.<version>.<type>`) ' +
        'for clients without NATS; triggers match it like any other event (see `/asyncapi.json`). ' +
        'With `FORMANCE_AUTH_CLIENTS` set it needs a bearer token with `orchestration:write`.',
    },
    (registry) => {
      registry.registerComponent('securitySchemes', 'Authorization', { type: 'http', scheme: 'bearer' });
      const error = named('EventsError', plainErrorSchema);
      registry.registerPath({
        method: 'post', path: '/api/events', operationId: 'publishEvent', summary: 'Publish an event', tags: ['Events'],
        security: [{ Authorization: [] }],
        request: { body: { required: true, content: { 'application/json': { schema: named('EventEnvelopeInput', ingestEventBodySchema) } } } },
        responses: {
          202: json(named('PublishedEvent', ingestEventResponseSchema), 'Stored by JetStream (`duplicate`: the same id was seen within the duplicate window, dropped)'),
          400: json(error, 'Not a valid event envelope'),
          401: json(error, 'No or invalid bearer token'),
          503: json(error, 'The bus is unavailable'),
          default: json(error, 'Error'),
        },
      });
    },
  );
}
