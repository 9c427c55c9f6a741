import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { EventEnvelope } from '@wfp/contracts';
import { ApiError } from '../http/api-error';
import { GatewayEventPublisher } from './event-publisher.service';
import { FormanceAuth } from '../formance-auth/formance-auth.decorator';
import { IngestEventResponse, ingestEventBodySchema } from './events-wire';

const ingestSchema = ingestEventBodySchema;

function describe(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/**
 * `POST /api/events`: publishes a domain event onto the bus for clients without NATS.
 * 202 `{"id": "<event id>"}` once JetStream stored it; the same id again is accepted and dropped
 * (`"duplicate": true`) within the stream's duplicate window, and never fires a trigger twice.
 */
@FormanceAuth()
@Controller('api/events')
export class EventsController {
  constructor(private readonly publisher: GatewayEventPublisher) {}

  @Post()
  @HttpCode(202)
  async publish(@Body() body: unknown): Promise<IngestEventResponse> {
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ApiError(400, 'VALIDATION', 'a JSON object event envelope is required (Content-Type: application/json)');
    }
    const parsed = ingestSchema.safeParse(body);
    if (!parsed.success) throw new ApiError(400, 'VALIDATION', `invalid event envelope: ${describe(parsed.error)}`);
    const id = parsed.data.id ?? randomUUID();
    const envelope: EventEnvelope = {
      ...parsed.data,
      id,
      idempotency_key: parsed.data.idempotency_key ?? id,
      date: parsed.data.date ?? new Date().toISOString(),
    };
    const { duplicate } = await this.publisher.publish(envelope).catch((error: Error) => {
      throw new ApiError(503, 'SERVICE_UNAVAILABLE', `event bus unavailable: ${error.message}`);
    });
    return { id, duplicate };
  }
}
