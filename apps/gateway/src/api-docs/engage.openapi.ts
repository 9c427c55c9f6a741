import { z } from 'zod';
import { INTERVENTION_STATUSES } from '@wfp/contracts';
import { engageErrorSchema, engageInterventionListSchema, engageInterventionSchema, engageReplyContentSchema } from '../engage/engage-wire';
import { buildOpenApiDocument, json, named, OpenApiDocument } from './openapi-builder';

const objectId = z.string().regex(/^[0-9a-f]{24}$/);

/**
 * Engage Digital interventions (and the reply operation) under `/1.0`. Parameters go in the query
 * string or a form/JSON body (body wins), as Engage reads them.
 */
export function engageDocument(): OpenApiDocument {
  return buildOpenApiDocument(
    {
      title: 'Engage Digital Interventions',
      version: '1.0',
      basePath: '/1.0',
      description:
        'Interventions of Engage Digital (RingCentral): list, open, read, close, cancel, reassign, ' +
        'categorize, update custom fields, and reply. Every operation needs an agent access token: ' +
        '`access_token` parameter or `Authorization: Bearer`. Parameters may be sent in the query ' +
        'string or the body (form or JSON).',
    },
    (registry) => {
      registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
      registry.registerComponent('securitySchemes', 'accessToken', { type: 'apiKey', in: 'query', name: 'access_token' });
      const security: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { accessToken: [] }];
      const error = named('EngageError', engageErrorSchema);
      const intervention = named('Intervention', engageInterventionSchema);
      const failure = {
        403: json(error, '`invalid_access_token`, or the agent may not act on this intervention'),
        404: json(error, '`not_found`'),
        422: json(error, '`validation_error` with `errors[]`'),
        default: json(error, 'Error'),
      };
      const id = z.object({ interventionId: z.string().describe('The intervention id') });
      const tags = ['Interventions'];

      registry.registerPath({
        method: 'get', path: '/interventions', operationId: 'getAllInterventions', summary: 'Getting all interventions', tags, security,
        request: {
          query: z.object({
            thread_id: objectId.optional(),
            user_id: objectId.optional(),
            identity_group_id: objectId.optional(),
            'identity_id[]': z.array(objectId).optional(),
            status: z.enum(INTERVENTION_STATUSES).optional(),
            sort: z.enum(['created_at', 'updated_at']).optional(),
            offset: z.string().regex(/^\d+$/).optional(),
            limit: z.string().regex(/^\d+$/).optional().describe('At most 150 (larger values are capped)'),
          }),
        },
        responses: { 200: json(named('GetAllInterventionsResponse', engageInterventionListSchema), 'A page of interventions'), ...failure },
      });
      registry.registerPath({
        method: 'post', path: '/interventions', operationId: 'createIntervention', summary: 'Creating an intervention', tags, security,
        request: { query: z.object({ content_id: z.string().describe('The customer content to open the intervention on') }) },
        responses: { 200: json(intervention, 'The opened intervention'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/interventions/{interventionId}', operationId: 'getIntervention', summary: 'Getting an intervention from its id', tags, security,
        request: { params: id },
        responses: { 200: json(intervention, 'The intervention'), ...failure },
      });
      registry.registerPath({
        method: 'put', path: '/interventions/{interventionId}', operationId: 'updateIntervention', summary: 'Updating custom fields of an intervention', tags, security,
        request: { params: id, query: z.object({ 'custom_field_values[key]': z.string().optional().describe('One value per custom field key') }) },
        responses: { 200: json(intervention, 'The updated intervention'), ...failure },
      });
      registry.registerPath({
        method: 'delete', path: '/interventions/{interventionId}/cancel', operationId: 'cancelIntervention', summary: 'Canceling an intervention', tags, security,
        request: { params: id },
        responses: { 200: json(intervention, 'The canceled intervention'), 409: json(error, 'Already being closed or canceled'), ...failure },
      });
      registry.registerPath({
        method: 'delete', path: '/interventions/{interventionId}', operationId: 'cancelInterventionAlias', summary: 'Canceling an intervention (alias)', tags, security,
        request: { params: id },
        responses: { 200: json(intervention, 'The canceled intervention'), 409: json(error, 'Already being closed or canceled'), ...failure },
      });
      registry.registerPath({
        method: 'put', path: '/interventions/{interventionId}/close', operationId: 'closeIntervention', summary: 'Closing an intervention', tags, security,
        request: { params: id },
        responses: { 200: json(intervention, 'The closed intervention'), 409: json(error, 'Already being closed or canceled'), ...failure },
      });
      registry.registerPath({
        method: 'put', path: '/interventions/{interventionId}/reassign', operationId: 'reassignIntervention', summary: 'Reassigning an intervention', tags, security,
        request: { params: id, query: z.object({ user_id: z.string().describe('The agent to assign') }) },
        responses: { 200: json(intervention, 'The reassigned intervention'), ...failure },
      });
      registry.registerPath({
        method: 'put', path: '/interventions/{interventionId}/update_categories', operationId: 'categorizeIntervention', summary: 'Categorizing an intervention', tags, security,
        request: { params: id, query: z.object({ 'category_ids[]': z.array(z.string()).optional() }) },
        responses: { 200: json(intervention, 'The categorized intervention'), ...failure },
      });
      registry.registerPath({
        method: 'post', path: '/contents', operationId: 'replyToContent', summary: 'Replying to a content', tags: ['Contents'], security,
        request: { query: z.object({ in_reply_to_id: z.string(), body: z.string() }) },
        responses: { 200: json(named('Content', engageReplyContentSchema), 'The reply'), ...failure },
      });
    },
  );
}
