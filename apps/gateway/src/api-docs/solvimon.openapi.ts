import { z } from 'zod';
import { WORKFLOW_TRIGGER_ORDER_FIELDS } from '@wfp/contracts';
import {
  createWorkflowTriggerBodySchema,
  searchWorkflowTriggersBodySchema,
  solvimonApiErrorSchema,
  solvimonWorkflowTriggerSchema,
  workflowTriggerPageSchema,
} from '../solvimon/solvimon-wire';
import { buildOpenApiDocument, json, named, OpenApiDocument } from './openapi-builder';

/** Solvimon Workflow Triggers (Transaction API) under `/v{version}/workflow-triggers` (version `1`). */
export function solvimonDocument(): OpenApiDocument {
  return buildOpenApiDocument(
    {
      title: 'Solvimon Workflow Triggers',
      version: 'v1',
      basePath: '/',
      description:
        'Workflow-trigger records of Solvimon: list, create (MANUAL), search and get. Every request ' +
        'needs an `X-API-KEY` from `SOLVIMON_API_KEYS` with the `WORKFLOW_TRIGGER.VIEW` or ' +
        '`WORKFLOW_TRIGGER.CREATE` permission; every response carries `X-REQUEST-ID: reqr_…`.',
    },
    (registry) => {
      registry.registerComponent('securitySchemes', 'API-Key', { type: 'apiKey', in: 'header', name: 'X-API-KEY' });
      const security = [{ 'API-Key': [] }];
      const error = named('ApiError', solvimonApiErrorSchema);
      const failure = {
        400: json(error, 'Invalid request (`code` and `field` say what)'),
        401: json(error, '`UNAUTHORISED`: no or unknown API key'),
        403: json(error, '`USER_NOT_ALLOWED`: the key lacks the permission'),
        404: json(error, '`RESOURCE_NOT_FOUND`'),
        415: json(error, '`UNSUPPORTED_MEDIA_TYPE`: the body must be JSON'),
        default: json(error, 'Error'),
      };
      const trigger = named('WorkflowTrigger', solvimonWorkflowTriggerSchema);
      const page = named('WorkflowTriggerPage', workflowTriggerPageSchema);
      const version = z.object({ version: z.string().describe('The API version: `1`') });
      const pageQuery = z.object({
        page: z.string().regex(/^\d+$/).optional().describe('1-based page number'),
        limit: z.string().regex(/^\d+$/).optional().describe('Page size (default `SOLVIMON_DEFAULT_PAGE_LIMIT`, at most `SOLVIMON_MAX_PAGE_LIMIT`)'),
        order_by: z.enum(WORKFLOW_TRIGGER_ORDER_FIELDS).optional(),
        order_direction: z.enum(['asc', 'desc']).optional(),
      });
      const tags = ['Workflow triggers'];

      registry.registerPath({
        method: 'get', path: '/v{version}/workflow-triggers', operationId: 'getWorkflowTriggers', summary: 'List workflow triggers', tags, security,
        request: { params: version, query: pageQuery },
        responses: { 200: json(page, 'A page of workflow triggers'), ...failure },
      });
      registry.registerPath({
        method: 'post', path: '/v{version}/workflow-triggers', operationId: 'postWorkflowTriggers', summary: 'Create a (MANUAL) workflow trigger', tags, security,
        request: {
          params: version,
          headers: z.object({ 'Idempotency-Key': z.string().max(255).optional().describe('Replays the first answer for the same key and body') }),
          body: { required: true, content: { 'application/json': { schema: named('WorkflowTriggerCreateRequest', createWorkflowTriggerBodySchema) } } },
        },
        responses: { 201: json(trigger, 'The created workflow trigger'), ...failure },
      });
      registry.registerPath({
        method: 'post', path: '/v{version}/workflow-triggers/search', operationId: 'postWorkflowTriggersSearch', summary: 'Search workflow triggers', tags, security,
        request: {
          params: version,
          query: pageQuery,
          body: { required: false, content: { 'application/json': { schema: named('SearchCreateRequest', searchWorkflowTriggersBodySchema) } } },
        },
        responses: { 200: json(page, 'A page of matching workflow triggers'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/v{version}/workflow-triggers/{resourceId}', operationId: 'getWorkflowTriggersByResourceId', summary: 'Get a workflow trigger', tags, security,
        request: { params: version.extend({ resourceId: z.string() }) },
        responses: { 200: json(trigger, 'The workflow trigger'), ...failure },
      });
    },
  );
}
