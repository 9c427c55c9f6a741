import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { ApiError } from '../http/api-error';
import { FormanceAuthService } from '../formance-auth/formance-auth.service';
import { BusTailService, Tail, TailedEvent } from './bus-tail.service';
import { categoryOf, matchesFilter, parseEventFilter } from './event-filter';

const MAX_REPLAY = 500;

/**
 * `GET /console/api/events/stream`: Server-Sent Events of the bus (lifecycle, intervention,
 * billing and other events) for the console, from an ephemeral JetStream consumer that lives as
 * long as the HTTP connection. Query: `category` and `type` filters (comma-separated or
 * repeated), `replay=N` to start with the last N stored events. When Formance auth is on it needs
 * a token with `orchestration:read` or `:write` (`Authorization: Bearer` or `access_token`).
 */
@Controller('console/api/events')
export class ConsoleEventsController {
  constructor(
    private readonly tails: BusTailService,
    private readonly auth: FormanceAuthService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly logger: PinoLogger,
  ) {}

  @Get('stream')
  async stream(@Req() req: Request, @Res() res: Response, @Query() query: Record<string, unknown>): Promise<void> {
    await this.authorize(req, res, query);
    const filter = parseEventFilter(query);
    if ('error' in filter) throw new ApiError(400, 'VALIDATION', filter.error);
    const replayText = query.replay ?? '0';
    if (typeof replayText !== 'string' || !/^\d{1,6}$/.test(replayText)) throw new ApiError(400, 'VALIDATION', "'replay' must be an integer");
    const replay = Math.min(Number(replayText), MAX_REPLAY);
    if (this.tails.openTails >= this.config.CONSOLE_SSE_MAX_STREAMS) {
      throw new ApiError(503, 'SERVICE_UNAVAILABLE', 'too many open event streams; try again later');
    }

    let ended = false;
    const timers: { heartbeat?: NodeJS.Timeout } = {};
    let tail: Tail | undefined;
    const finish = () => {
      if (ended) return;
      ended = true;
      clearInterval(timers.heartbeat);
      void tail?.close();
      if (!res.writableEnded) res.end();
    };
    req.on('close', finish);

    const send = (event: TailedEvent) => {
      if (ended) return;
      const envelope = event.envelope;
      const app = typeof envelope?.app === 'string' ? envelope.app : '';
      const type = typeof envelope?.type === 'string' ? envelope.type : '';
      if (!matchesFilter(filter, app, type)) return;
      const data = JSON.stringify({ seq: event.seq, subject: event.subject, category: categoryOf(app, type), event: envelope ?? null });
      res.write(`id: ${event.seq}\nevent: bus-event\ndata: ${data}\n\n`);
    };
    try {
      tail = await this.tails.start(replay, send, (error) => {
        if (!ended) res.write(`event: end\ndata: ${JSON.stringify({ reason: error ? error.message : 'stream ended' })}\n\n`);
        finish();
      });
    } catch (error) {
      req.off('close', finish);
      this.logger.warn({ err: String(error) }, 'console event stream could not start');
      throw new ApiError(503, 'SERVICE_UNAVAILABLE', 'event bus unavailable');
    }
    if (ended) {
      // The client left while the consumer was being created.
      await tail.close();
      return;
    }
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write(`retry: 2000\nevent: ready\ndata: ${JSON.stringify({ categories: filter.categories, types: filter.types, replay })}\n\n`);
    timers.heartbeat = setInterval(() => res.write(': keep-alive\n\n'), this.config.CONSOLE_SSE_HEARTBEAT_MS);
  }

  /** With Formance auth on: a valid token from the header or `access_token` (never logged: the logger redacts both). */
  private async authorize(req: Request, res: Response, query: Record<string, unknown>): Promise<void> {
    if (!this.auth.enabled) return;
    const header = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = header ?? (typeof query.access_token === 'string' ? query.access_token : undefined);
    const scopes = token ? await this.auth.verify(token) : undefined;
    if (!scopes || !(scopes.includes('orchestration:read') || scopes.includes('orchestration:write'))) {
      const reason = !token ? 'missing bearer token' : !scopes ? 'invalid or expired token' : 'missing scope';
      res.setHeader('WWW-Authenticate', `Bearer error="invalid_token", error_description="${reason}"`);
      throw new ApiError(401, 'UNAUTHORIZED', reason);
    }
  }
}
