import { z } from 'zod';
import {
  createTriggerBodySchema,
  createWorkflowBodySchema,
  formanceErrorSchema,
  instanceHistoryResponseSchema,
  instanceResponseSchema,
  listInstancesResponseSchema,
  listOccurrencesResponseSchema,
  listTriggersResponseSchema,
  listWorkflowsResponseSchema,
  runWorkflowBodySchema,
  sendEventBodySchema,
  serverInfoSchema,
  stageHistoryResponseSchema,
  triggerResponseSchema,
  workflowResponseSchema,
} from '../orchestration/formance-v1-wire';
import { buildOpenApiDocument, json, named, noContent, OpenApiDocument } from './openapi-builder';

/** Formance Orchestration v1 under `/api/orchestration` (paths as in the vendor's v1 file). */
export function formanceV1Document(): OpenApiDocument {
  return buildOpenApiDocument(
    {
      title: 'Formance Orchestration v1',
      version: 'v1',
      basePath: '/api/orchestration',
      description:
        'Workflows, instances and triggers, compatible with Formance Orchestration v1 (and its SDK). ' +
        'With `FORMANCE_AUTH_CLIENTS` set, every operation but `/_info` needs a bearer token from ' +
        '`POST /api/auth/oauth/token` (OAuth2 client credentials; scopes `orchestration:read`, `orchestration:write`).',
    },
    (registry) => {
      const error = named('Error', formanceErrorSchema);
      const Workflow = named('ListWorkflowsResponse', listWorkflowsResponseSchema);
      const security = [{ Authorization: [] }];
      registry.registerComponent('securitySchemes', 'Authorization', {
        type: 'oauth2',
        flows: { clientCredentials: { tokenUrl: '/api/auth/oauth/token', scopes: { 'orchestration:read': 'read', 'orchestration:write': 'write' } } },
      });
      const failure = { default: json(error, 'Error (`errorCode` VALIDATION, NOT_FOUND or INTERNAL)') };
      const flowId = z.object({ flowId: z.string() });
      const workflowID = z.object({ workflowID: z.string() });
      const instanceID = z.object({ instanceID: z.string() });
      const triggerID = z.object({ triggerID: z.string() });

      registry.registerPath({
        method: 'get', path: '/_info', operationId: 'getServerInfo', summary: 'Server info', tags: ['Orchestration'],
        responses: { 200: json(named('ServerInfo', serverInfoSchema), 'Server information'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/workflows', operationId: 'listWorkflows', summary: 'List registered workflows', tags: ['Workflows'], security,
        responses: { 200: json(Workflow, 'List of workflows'), ...failure },
      });
      registry.registerPath({
        method: 'post', path: '/workflows', operationId: 'createWorkflow', summary: 'Create workflow', tags: ['Workflows'], security,
        request: {
          body: {
            required: true,
            content: {
              'application/json': { schema: named('WorkflowConfig', createWorkflowBodySchema) },
              'text/vnd.yaml': { schema: { type: 'string', description: 'The same config as YAML' } },
            },
          },
        },
        responses: { 201: json(named('CreateWorkflowResponse', workflowResponseSchema), 'Created workflow'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/workflows/{flowId}', operationId: 'getWorkflow', summary: 'Get a flow by id', tags: ['Workflows'], security,
        request: { params: flowId },
        responses: { 200: json(named('GetWorkflowResponse', workflowResponseSchema), 'The workflow'), ...failure },
      });
      registry.registerPath({
        method: 'delete', path: '/workflows/{flowId}', operationId: 'deleteWorkflow', summary: 'Delete a flow by id', tags: ['Workflows'], security,
        request: { params: flowId },
        responses: { 204: noContent('Workflow deleted'), ...failure },
      });
      registry.registerPath({
        method: 'post', path: '/workflows/{workflowID}/instances', operationId: 'runWorkflow', summary: 'Run workflow', tags: ['Workflows'], security,
        request: {
          params: workflowID,
          query: z.object({ wait: z.enum(['true', 'false', '1', '0']).optional().describe('Wait for the workflow to terminate (bounded)') }),
          body: { required: false, content: { 'application/json': { schema: named('RunWorkflowRequest', runWorkflowBodySchema) } } },
        },
        responses: { 201: json(named('RunWorkflowResponse', instanceResponseSchema), 'The started instance'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/instances', operationId: 'listInstances', summary: 'List instances of a workflow', tags: ['Workflows'], security,
        request: {
          query: z.object({
            workflowID: z.string().optional().describe('A workflow id'),
            running: z.enum(['true', 'false', '1', '0']).optional().describe('Only running instances'),
          }),
        },
        responses: { 200: json(named('ListRunsResponse', listInstancesResponseSchema), 'List of instances'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/instances/{instanceID}', operationId: 'getInstance', summary: 'Get a workflow instance by id', tags: ['Workflows'], security,
        request: { params: instanceID },
        responses: { 200: json(named('GetWorkflowInstanceResponse', instanceResponseSchema), 'The instance'), ...failure },
      });
      registry.registerPath({
        method: 'post', path: '/instances/{instanceID}/events', operationId: 'sendEvent', summary: 'Send an event to a running workflow', tags: ['Workflows'], security,
        request: { params: instanceID, body: { required: false, content: { 'application/json': { schema: sendEventBodySchema } } } },
        responses: { 204: noContent('Event sent'), ...failure },
      });
      registry.registerPath({
        method: 'put', path: '/instances/{instanceID}/abort', operationId: 'cancelEvent', summary: 'Cancel a running workflow', tags: ['Workflows'], security,
        request: { params: instanceID },
        responses: { 204: noContent('Workflow aborted'), ...failure },
      });
      registry.registerPath({
        method: 'put', path: '/instances/{instanceID}/redrive', operationId: 'redriveInstance', tags: ['Workflows'], security,
        summary: 'Run a failed instance again from its failed stage (extension)',
        description: 'Not in Formance Flows. The same instance runs again from the stage that failed: earlier stages are not re-run; history counts the redrive. Only a failed instance (400 otherwise).',
        request: { params: instanceID },
        responses: { 204: noContent('Instance redriven'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/instances/{instanceID}/history', operationId: 'getInstanceHistory', summary: 'Get a workflow instance history by id', tags: ['Workflows'], security,
        request: { params: instanceID },
        responses: { 200: json(named('GetWorkflowInstanceHistoryResponse', instanceHistoryResponseSchema), 'History of the instance'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/instances/{instanceID}/stages/{number}/history', operationId: 'getInstanceStageHistory', summary: 'Get a workflow instance stage history', tags: ['Workflows'], security,
        request: { params: z.object({ instanceID: z.string(), number: z.string().regex(/^\d+$/).describe('The stage number (from 0)') }) },
        responses: { 200: json(named('GetWorkflowInstanceHistoryStageResponse', stageHistoryResponseSchema), 'History of the stage'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/triggers', operationId: 'listTriggers', summary: 'List triggers', tags: ['Triggers'], security,
        request: { query: z.object({ name: z.string().optional().describe('Case-insensitive substring of the trigger name') }) },
        responses: { 200: json(named('ListTriggersResponse', listTriggersResponseSchema), 'List of triggers'), ...failure },
      });
      registry.registerPath({
        method: 'post', path: '/triggers', operationId: 'createTrigger', summary: 'Create trigger', tags: ['Triggers'], security,
        request: { body: { required: true, content: { 'application/json': { schema: named('TriggerData', createTriggerBodySchema) } } } },
        responses: { 201: json(named('CreateTriggerResponse', triggerResponseSchema), 'Created trigger'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/triggers/{triggerID}', operationId: 'readTrigger', summary: 'Read trigger', tags: ['Triggers'], security,
        request: { params: triggerID },
        responses: { 200: json(named('ReadTriggerResponse', triggerResponseSchema), 'The trigger'), ...failure },
      });
      registry.registerPath({
        method: 'delete', path: '/triggers/{triggerID}', operationId: 'deleteTrigger', summary: 'Delete trigger', tags: ['Triggers'], security,
        request: { params: triggerID },
        responses: { 204: noContent('Trigger deleted'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/triggers/{triggerID}/occurrences', operationId: 'listTriggersOccurrences', summary: 'List triggers occurrences', tags: ['Triggers'], security,
        request: { params: triggerID },
        responses: { 200: json(named('ListTriggersOccurrencesResponse', listOccurrencesResponseSchema), 'List of occurrences'), ...failure },
      });
    },
  );
}
