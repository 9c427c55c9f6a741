import { Controller, Delete, Get, HttpCode, Param, Post, Put, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { contentSchema, INTERVENTION_STATUSES, interventionListSchema, INTERVENTIONS_COMMANDS, interventionSchema } from '@wfp/contracts';
import { GatewayCommandClient } from '../commands/commands.module';
import { callService } from '../commands/call-service';
import { RequestId } from '../http/request-id.decorator';
import {
  EngageIntervention,
  EngageInterventionList,
  EngageReplyContent,
  toEngageIntervention,
  toEngageInterventionList,
} from './engage-wire';
import { withoutNulls } from './without-nulls';
import {
  engageParams,
  engageToken,
  enumParam,
  integerParam,
  listParam,
  mapParam,
  objectIdParam,
  requiredScalar,
} from './engage-params';
import { EngageTokenGuard } from './engage-token.guard';
import { EngageAuthFirstInterceptor } from './engage-auth-first.interceptor';

/** Engage caps `limit` at 150 rather than rejecting a larger one. */
function capped(value: number | undefined, max: number): number | undefined {
  return value === undefined ? undefined : Math.min(value, max);
}

/** What the interventions service answers for a reply: the created content, unset fields `null`. */
const replyDataSchema = contentSchema.partial().passthrough();

/** Engage Digital Interventions API (and the reply operation) under /1.0. */
@UseGuards(EngageTokenGuard)
@UseInterceptors(EngageAuthFirstInterceptor)
@Controller('1.0')
export class EngageInterventionsController {
  constructor(private readonly commands: GatewayCommandClient) {}

  private call<T extends z.ZodType>(command: string, payload: unknown, schema: T, requestId?: string): Promise<z.infer<T>> {
    return callService(this.commands, command, payload, schema, requestId);
  }

  @Get('interventions')
  async list(@Req() req: Request, @RequestId() requestId?: string): Promise<EngageInterventionList> {
    const p = engageParams(req);
    const token = engageToken(req, p);
    const identityIds = listParam(p, 'identity_id')?.filter((v) => v !== '');
    for (const id of identityIds ?? []) objectIdParam({ identity_id: id }, 'identity_id');
    const payload = {
      token,
      thread_id: objectIdParam(p, 'thread_id'),
      user_id: objectIdParam(p, 'user_id'),
      identity_group_id: objectIdParam(p, 'identity_group_id'),
      identity_id: identityIds?.length ? identityIds : undefined,
      status: enumParam(p, 'status', INTERVENTION_STATUSES),
      sort: enumParam(p, 'sort', ['created_at', 'updated_at'] as const),
      offset: integerParam(p, 'offset', 0, 1_000_000_000),
      limit: capped(integerParam(p, 'limit', 1, 1_000_000_000), 150),
    };
    return toEngageInterventionList(await this.call(INTERVENTIONS_COMMANDS.list, payload, interventionListSchema, requestId));
  }

  @Post('interventions')
  @HttpCode(200)
  async create(@Req() req: Request, @RequestId() requestId?: string): Promise<EngageIntervention> {
    const p = engageParams(req);
    const token = engageToken(req, p);
    const content_id = requiredScalar(p, 'content_id');
    return toEngageIntervention(await this.call(INTERVENTIONS_COMMANDS.create, { token, content_id }, interventionSchema, requestId));
  }

  @Get('interventions/:id')
  async get(@Param('id') id: string, @Req() req: Request, @RequestId() requestId?: string): Promise<EngageIntervention> {
    const token = engageToken(req, engageParams(req));
    return toEngageIntervention(await this.call(INTERVENTIONS_COMMANDS.get, { token, id }, interventionSchema, requestId));
  }

  @Delete(['interventions/:id/cancel', 'interventions/:id'])
  async cancel(@Param('id') id: string, @Req() req: Request, @RequestId() requestId?: string): Promise<EngageIntervention> {
    const token = engageToken(req, engageParams(req));
    return toEngageIntervention(await this.call(INTERVENTIONS_COMMANDS.cancel, { token, id }, interventionSchema, requestId));
  }

  @Put('interventions/:id/close')
  async close(@Param('id') id: string, @Req() req: Request, @RequestId() requestId?: string): Promise<EngageIntervention> {
    const token = engageToken(req, engageParams(req));
    return toEngageIntervention(await this.call(INTERVENTIONS_COMMANDS.close, { token, id }, interventionSchema, requestId));
  }

  @Put('interventions/:id/reassign')
  async reassign(@Param('id') id: string, @Req() req: Request, @RequestId() requestId?: string): Promise<EngageIntervention> {
    const p = engageParams(req);
    const token = engageToken(req, p);
    const user_id = requiredScalar(p, 'user_id');
    return toEngageIntervention(await this.call(INTERVENTIONS_COMMANDS.reassign, { token, id, user_id }, interventionSchema, requestId));
  }

  @Put('interventions/:id/update_categories')
  async categorize(@Param('id') id: string, @Req() req: Request, @RequestId() requestId?: string): Promise<EngageIntervention> {
    const p = engageParams(req);
    const token = engageToken(req, p);
    const category_ids = listParam(p, 'category_ids') ?? [];
    return toEngageIntervention(await this.call(INTERVENTIONS_COMMANDS.categorize, { token, id, category_ids }, interventionSchema, requestId));
  }

  @Put('interventions/:id')
  async update(@Param('id') id: string, @Req() req: Request, @RequestId() requestId?: string): Promise<EngageIntervention> {
    const p = engageParams(req);
    const token = engageToken(req, p);
    const custom_field_values = mapParam(p, 'custom_field_values');
    return toEngageIntervention(await this.call(INTERVENTIONS_COMMANDS.updateCustomFields, { token, id, custom_field_values }, interventionSchema, requestId));
  }

  @Post('contents')
  @HttpCode(200)
  async reply(@Req() req: Request, @RequestId() requestId?: string): Promise<EngageReplyContent> {
    const p = engageParams(req);
    const token = engageToken(req, p);
    const in_reply_to_id = requiredScalar(p, 'in_reply_to_id');
    const body = requiredScalar(p, 'body');
    return withoutNulls(await this.call(INTERVENTIONS_COMMANDS.reply, { token, in_reply_to_id, body }, replyDataSchema, requestId));
  }
}
