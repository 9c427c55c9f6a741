import { Controller, Get, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  COMMANDS,
  createWorkflowTriggerReplySchema,
  searchWorkflowTriggersReplySchema,
  SearchBody,
  WorkflowTrigger,
  workflowTriggerSchema,
} from '@wfp/contracts';
import { Inject } from '@nestjs/common';
import { GatewayCommandClient } from '../commands/commands.module';
import { callService } from '../commands/call-service';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { RequestId } from '../http/request-id.decorator';
import { authorisedPlatform, SolvimonAuthGuard, SolvimonPermissionRequired } from './solvimon-auth.guard';
import { WorkflowTriggerPage } from './solvimon-wire';
import { bodyHash, pageLinks, PageQuery, parseCreateBody, parsePageQuery, parseSearchBody, solvimonError } from './solvimon-requests';

type Paginated = WorkflowTriggerPage;

/**
 * Solvimon Workflow Triggers (Transaction API) under `/v{version}/workflow-triggers`: list, create
 * (MANUAL), search and get. `search` is declared before `{resourceId}`.
 */
@UseGuards(SolvimonAuthGuard)
@Controller()
export class WorkflowTriggersController {
  constructor(
    private readonly commands: GatewayCommandClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get(':version/workflow-triggers')
  @SolvimonPermissionRequired('WORKFLOW_TRIGGER.VIEW')
  async list(@Param('version') version: string, @Req() req: Request, @RequestId() requestId?: string): Promise<Paginated> {
    const platformId = this.begin(req, version, 'WORKFLOW_TRIGGER.VIEW');
    const query = parsePageQuery(req.query as Record<string, unknown>, this.pageDefaults('desc'));
    return this.search(platformId, {}, query, req.path, requestId);
  }

  @Post(':version/workflow-triggers')
  @SolvimonPermissionRequired('WORKFLOW_TRIGGER.CREATE')
  @HttpCode(201)
  async create(
    @Param('version') version: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @RequestId() requestId?: string,
  ): Promise<WorkflowTrigger> {
    const platformId = this.begin(req, version, 'WORKFLOW_TRIGGER.CREATE');
    this.requireJson(req);
    const idempotencyKey = this.idempotencyKey(req);
    const body = parseCreateBody(req.body);
    const reply = await callService(
      this.commands,
      COMMANDS.triggers.createWorkflowTrigger,
      { platformId, body, ...(idempotencyKey ? { idempotencyKey, bodyHash: bodyHash(req.body) } : {}) },
      createWorkflowTriggerReplySchema,
      requestId,
    );
    if (reply.replayed) res.setHeader('Idempotent-Replayed', 'true');
    return reply.trigger;
  }

  @Post(':version/workflow-triggers/search')
  @SolvimonPermissionRequired('WORKFLOW_TRIGGER.VIEW')
  @HttpCode(200)
  async searchRoute(@Param('version') version: string, @Req() req: Request, @RequestId() requestId?: string): Promise<Paginated> {
    const platformId = this.begin(req, version, 'WORKFLOW_TRIGGER.VIEW');
    this.requireJson(req, true);
    const query = parsePageQuery(req.query as Record<string, unknown>, this.pageDefaults('asc'));
    const search = parseSearchBody(req.body);
    return this.search(platformId, search, query, req.path, requestId);
  }

  @Get(':version/workflow-triggers/:resourceId')
  @SolvimonPermissionRequired('WORKFLOW_TRIGGER.VIEW')
  async get(
    @Param('version') version: string,
    @Param('resourceId') id: string,
    @Req() req: Request,
    @RequestId() requestId?: string,
  ): Promise<WorkflowTrigger> {
    const platformId = this.begin(req, version, 'WORKFLOW_TRIGGER.VIEW');
    if (id.length > 200) throw solvimonError(400, 'INVALID_ID', 'invalid workflow trigger id');
    return callService(this.commands, COMMANDS.triggers.getWorkflowTrigger, { platformId, id }, workflowTriggerSchema, requestId);
  }

  /** After the guard (X-REQUEST-ID, API key and permission): the version (only `v1`). */
  private begin(req: Request, version: string, _permission: 'WORKFLOW_TRIGGER.VIEW' | 'WORKFLOW_TRIGGER.CREATE'): string {
    const platformId = authorisedPlatform(req);
    if (version === 'v') throw solvimonError(400, 'MISSING_VERSION', 'the API version is missing from the path (/v1/…)');
    if (version !== 'v1') throw solvimonError(400, 'UNSUPPORTED_VERSION', `API version '${version.slice(1, 20)}' is not supported; use v1`);
    return platformId;
  }

  private requireJson(req: Request, bodyOptional = false): void {
    const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0' || req.headers['transfer-encoding'] !== undefined;
    if (bodyOptional && !hasBody && !req.headers['content-type']) return;
    if (!req.is('application/json')) {
      throw solvimonError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
    }
  }

  private idempotencyKey(req: Request): string | undefined {
    const header = req.headers['idempotency-key'];
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined || key === '') return undefined;
    if (key.length > 255) throw solvimonError(400, 'INVALID_FIELD', 'Idempotency-Key must be at most 255 characters', { field: 'Idempotency-Key' });
    return key;
  }

  private pageDefaults(direction: 'asc' | 'desc') {
    return { direction, limit: this.config.SOLVIMON_DEFAULT_PAGE_LIMIT, maxLimit: this.config.SOLVIMON_MAX_PAGE_LIMIT };
  }

  private async search(platformId: string, search: SearchBody, query: PageQuery, path: string, requestId?: string): Promise<Paginated> {
    const result = await callService(
      this.commands,
      COMMANDS.triggers.searchWorkflowTriggers,
      { platformId, search, ...query },
      searchWorkflowTriggersReplySchema,
      requestId,
    );
    const totalPages = Math.max(1, Math.ceil(result.total / query.limit));
    return {
      data: result.data,
      links: pageLinks(path, query, totalPages),
      limit: query.limit,
      page: query.page,
      total_number_of_pages: totalPages,
    };
  }
}
