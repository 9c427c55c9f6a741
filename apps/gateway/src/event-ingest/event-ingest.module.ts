import { Module } from '@nestjs/common';

/** `POST /api/events`: publishes a domain event for clients without NATS. */
@Module({})
export class EventIngestModule {}
