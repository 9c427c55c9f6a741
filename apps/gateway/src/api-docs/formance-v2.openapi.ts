import { z } from 'zod';
import { createTriggerBodySchema, createWorkflowBodySchema, runWorkflowBodySchema, sendEventBodySchema } from '../orchestration/formance-v1-wire';
import {
  v2ErrorSchema,
  v2InstanceHistoryResponseSchema,
  v2InstanceResponseSchema,
  v2ListOccurrencesResponseSchema,
  v2ListRunsResponseSchema,
  v2ListTriggersResponseSchema,
  v2ListWorkflowsResponseSchema,
  v2PagingQuerySchema,
  v2ServerInfoSchema,
  v2StageHistoryResponseSchema,
  v2TestTriggerBodySchema,
  v2TestTriggerResponseSchema,
  v2TriggerFlowStateResponseSchema,
  v2TriggerResponseSchema,
  v2WorkflowResponseSchema,
} from '../orchestration/formance-v2-wire';
import { bulkJobSchema, createBulkJobRequestSchema, createReplayRequestSchema, replaySchema } from '@wfp/contracts';
import { cursorOf } from '../orchestration/formance-v2-wire';
import {
  v2BackfillScheduleBodySchema,
  v2BackfillScheduleResponseSchema,
  v2DescribeScheduleQuerySchema,
  v2DescribeScheduleResponseSchema,
  v2ListSchedulesResponseSchema,
  v2PauseScheduleBodySchema,
  v2ScheduleBodySchema,
  v2ScheduleResponseSchema,
  v2TriggerScheduleBodySchema,
  v2TriggerScheduleResponseSchema,
} from '../orchestration/schedules-wire';
import { buildOpenApiDocument, json, named, noContent, OpenApiDocument } from './openapi-builder';

/**
 * Formance Orchestration v2 under `/api/orchestration` (paths `/v2/...`, as in the vendor's v2
 * file). Component ids carry a `V2` prefix (as the vendor's do): zod's registry of ids is shared
 * with the v1 document, where the same shapes are named without it.
 */
export function formanceV2Document(): OpenApiDocument {
  // `metadata[<key>]=<value>` query params (our extension), as an OpenAPI deep object (built here:
  // zod 4 metadata, read by zod-to-openapi).
  const metadataQuery = z.record(z.string(), z.string()).optional().meta({ param: { style: 'deepObject', explode: true } });
  return buildOpenApiDocument(
    {
      title: 'Formance Orchestration v2',
      version: 'v2',
      basePath: '/api/orchestration',
      description:
        'Workflows, instances and triggers, compatible with Formance Orchestration v2 (and its SDK, `sdk.orchestration.v2`). ' +
        'The same operations and data as v1; lists page with signed cursors (`{"cursor": {pageSize, hasMore, previous?, next?, data}}`), ' +
        'and triggers can be tested against an event payload. Our extension: schedules (`/v2/schedules`, cron and interval schedules with Temporal\'s overlap policies, catch-up, pause and backfill; docs/schedules.md). ' +
        'With `FORMANCE_AUTH_CLIENTS` set, every operation but `/v2/_info` needs a bearer token from ' +
        '`POST /api/auth/oauth/token` (OAuth2 client credentials; scopes `orchestration:read`, `orchestration:write`).',
    },
    (registry) => {
      const error = named('V2Error', v2ErrorSchema);
      registry.registerComponent('securitySchemes', 'Authorization', {
        type: 'oauth2',
        flows: { clientCredentials: { tokenUrl: '/api/auth/oauth/token', scopes: { 'orchestration:read': 'read', 'orchestration:write': 'write' } } },
      });
      const read = [{ Authorization: ['orchestration:read'] }];
      const write = [{ Authorization: ['orchestration:write'] }];
      const failure = { default: json(error, 'Error (`errorCode` VALIDATION, NOT_FOUND or INTERNAL)') };
      const flowId = z.object({ flowId: z.string() });
      const workflowID = z.object({ workflowID: z.string() });
      const instanceID = z.object({ instanceID: z.string() });
      const triggerID = z.object({ triggerID: z.string() });
      const paging = v2PagingQuerySchema;
      const tags = ['orchestration.v2'];

      registry.registerPath({
        method: 'get', path: '/v2/_info', operationId: 'v2GetServerInfo', summary: 'Get server info (no auth)', tags,
        responses: { 200: json(named('V2ServerInfo', v2ServerInfoSchema), 'Server information'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/v2/workflows', operationId: 'v2ListWorkflows', summary: 'List registered workflows', tags, security: read,
        request: { query: paging },
        responses: { 200: json(named('V2ListWorkflowsResponse', v2ListWorkflowsResponseSchema), 'A page of workflows'), ...failure },
      });
      registry.registerPath({
        method: 'post', path: '/v2/workflows', operationId: 'v2CreateWorkflow', summary: 'Create workflow', tags, security: write,
        request: {
          body: {
            required: true,
            content: {
              'application/json': { schema: named('V2CreateWorkflowRequest', createWorkflowBodySchema) },
              'text/vnd.yaml': { schema: { type: 'string', description: 'The same config as YAML' } },
            },
          },
        },
        responses: { 201: json(named('V2CreateWorkflowResponse', v2WorkflowResponseSchema), 'Created workflow'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/v2/workflows/{flowId}', operationId: 'v2GetWorkflow', summary: 'Get a flow by id', tags, security: read,
        request: { params: flowId },
        responses: { 200: json(named('V2GetWorkflowResponse', v2WorkflowResponseSchema), 'The workflow'), ...failure },
      });
      registry.registerPath({
        method: 'delete', path: '/v2/workflows/{flowId}', operationId: 'v2DeleteWorkflow', summary: 'Delete a flow by id', tags, security: write,
        request: { params: flowId },
        responses: { 204: noContent('Workflow deleted'), ...failure },
      });
      registry.registerPath({
        method: 'put', path: '/v2/workflows/{flowId}/pause', operationId: 'v2PauseWorkflow', tags, security: write,
        summary: 'Pause a workflow: new starts queued or dropped (extension)',
        description: 'Not in Formance Flows. `queue` (the default): new starts create their instance, whose first stage waits until resume. `drop`: new starts are refused (a trigger records them, a direct start answers 409 CONFLICT). Running instances go on.',
        request: {
          params: flowId,
          body: { required: false, content: { 'application/json': { schema: named('V2PauseWorkflowRequest', z.object({ mode: z.enum(['queue', 'drop']).optional() })) } } },
        },
        responses: { 200: json(named('V2PauseWorkflowResponse', v2WorkflowResponseSchema), 'The paused workflow'), ...failure },
      });
      registry.registerPath({
        method: 'put', path: '/v2/workflows/{flowId}/resume', operationId: 'v2ResumeWorkflow', tags, security: write,
        summary: 'Resume a paused workflow (extension)',
        description: 'Not in Formance Flows. Starts run again; the queued ones run now.',
        request: { params: flowId },
        responses: { 200: json(named('V2ResumeWorkflowResponse', z.object({ data: z.object({ released: z.number().int() }) })), 'How many queued starts were released'), ...failure },
      });
      registry.registerPath({
        method: 'post', path: '/v2/workflows/{workflowID}/instances', operationId: 'v2RunWorkflow', summary: 'Run workflow', tags, security: write,
        request: {
          params: workflowID,
          query: z.object({
            wait: z.enum(['true', 'false', '1', '0']).optional().describe('Wait for the workflow to terminate (bounded)'),
            metadata: metadataQuery.describe('Extension: labels of the new instance, `metadata[<key>]=<value>`'),
          }),
          body: { required: false, content: { 'application/json': { schema: named('V2RunWorkflowRequest', runWorkflowBodySchema) } } },
        },
        responses: { 201: json(named('V2RunWorkflowResponse', v2InstanceResponseSchema), 'The started instance'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/v2/instances', operationId: 'v2ListInstances', summary: 'List instances of a workflow', tags, security: read,
        request: {
          query: paging.extend({
            workflowID: z.string().optional().describe('A workflow id'),
            running: z.enum(['true', 'false', '1', '0']).optional().describe('Only running instances'),
            status: z.enum(['running', 'succeeded', 'failed', 'canceled']).optional().describe('Extension: only instances in this status'),
            metadata: metadataQuery.describe('Extension: only instances with these labels, `metadata[<key>]=<value>`'),
            createdAfter: z.string().optional().describe('Extension: created after this RFC 3339 date-time'),
            createdBefore: z.string().optional().describe('Extension: created before this RFC 3339 date-time'),
          }),
        },
        responses: { 200: json(named('V2ListRunsResponse', v2ListRunsResponseSchema), 'A page of instances'), ...failure },
      });
      const bulkActionID = z.object({ bulkActionID: z.string() });
      const bulkJob = named('V2BulkAction', bulkJobSchema);
      const bulkDescription =
        'Not in Formance Flows. A durable job applies `action` (cancel, redrive, send_event) to the instances of `selection` (ids, or a filter that must say something), frozen at creation, at most `maxPerSecond` a second; it survives restarts.';
      registry.registerPath({
        method: 'post', path: '/v2/bulk-actions', operationId: 'v2CreateBulkAction', tags, security: write,
        summary: 'Create a bulk action over instances, or preview its selection (extension)', description: bulkDescription,
        request: { body: { required: true, content: { 'application/json': { schema: named('V2CreateBulkActionRequest', createBulkJobRequestSchema) } } } },
        responses: {
          201: json(named('V2CreateBulkActionResponse', z.object({ data: bulkJob })), 'The job, running'),
          200: json(named('V2PreviewBulkActionResponse', z.object({ data: z.object({ preview: z.object({ total: z.number().int() }) }) })), 'With `preview: true`: how many instances the selection holds'),
          ...failure,
        },
      });
      registry.registerPath({
        method: 'get', path: '/v2/bulk-actions', operationId: 'v2ListBulkActions', tags, security: read,
        summary: 'List bulk actions (extension)', description: bulkDescription,
        request: { query: paging },
        responses: { 200: json(named('V2ListBulkActionsResponse', cursorOf(bulkJobSchema)), 'A page of bulk actions'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/v2/bulk-actions/{bulkActionID}', operationId: 'v2GetBulkAction', tags, security: read,
        summary: 'A bulk action and its progress (extension)', description: bulkDescription,
        request: { params: bulkActionID },
        responses: { 200: json(named('V2GetBulkActionResponse', z.object({ data: bulkJob })), 'The job'), ...failure },
      });
      registry.registerPath({
        method: 'put', path: '/v2/bulk-actions/{bulkActionID}/abort', operationId: 'v2AbortBulkAction', tags, security: write,
        summary: 'Stop a running bulk action where it is (extension)', description: bulkDescription,
        request: { params: bulkActionID },
        responses: { 200: json(named('V2AbortBulkActionResponse', z.object({ data: bulkJob })), 'The job, aborted'), ...failure },
      });
      const replayID = z.object({ replayID: z.string() });
      const replay = named('V2Replay', replaySchema);
      const replayDescription =
        'Not in Formance Flows. A durable job reads the events stream in stream order from `from` to `to` (stream time), matches each event against `triggers` exactly as live matching does and fires the (trigger, event) pairs that never fired (a `skipped(paused)` occurrence does not count as fired), through flow control, tagging occurrences and instances (`metadata.replay_id`) with its id; `force` fires the fired ones again (new instances); `dry_run` only lists the matches, their vars and the errors. A `from` older than the stream retains is refused (400, naming the oldest replayable time).';
      registry.registerPath({
        method: 'post', path: '/v2/replays', operationId: 'v2CreateReplay', tags, security: write,
        summary: 'Replay events through triggers, or dry-run it (extension)', description: replayDescription,
        request: { body: { required: true, content: { 'application/json': { schema: named('V2CreateReplayRequest', createReplayRequestSchema) } } } },
        responses: { 201: json(named('V2CreateReplayResponse', z.object({ data: replay })), 'The replay, running'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/v2/replays', operationId: 'v2ListReplays', tags, security: read,
        summary: 'List replays (extension)', description: replayDescription,
        request: { query: paging },
        responses: { 200: json(named('V2ListReplaysResponse', cursorOf(replaySchema)), 'A page of replays'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/v2/replays/{replayID}', operationId: 'v2GetReplay', tags, security: read,
        summary: 'A replay, its progress and counts (extension)', description: replayDescription,
        request: { params: replayID },
        responses: { 200: json(named('V2GetReplayResponse', z.object({ data: replay })), 'The replay'), ...failure },
      });
      registry.registerPath({
        method: 'put', path: '/v2/replays/{replayID}/abort', operationId: 'v2AbortReplay', tags, security: write,
        summary: 'Stop a running replay: no new start from it (extension)', description: replayDescription,
        request: { params: replayID },
        responses: { 200: json(named('V2AbortReplayResponse', z.object({ data: replay })), 'The replay, aborted'), ...failure },
      });
      registry.registerPath({
        method: 'put', path: '/v2/instances/{instanceID}/metadata', operationId: 'v2SetInstanceMetadata', tags, security: write,
        summary: 'Set or remove metadata keys of an instance (extension)',
        description: 'Not in Formance Flows. Each key set to a string is set, each set to null removed; other keys are kept (at most 32 keys; keys up to 64 characters, values up to 256).',
        request: {
          params: instanceID,
          body: { required: true, content: { 'application/json': { schema: named('V2InstanceMetadata', z.record(z.string(), z.string().nullable())) } } },
        },
        responses: { 204: noContent('Metadata set'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/v2/instances/{instanceID}', operationId: 'v2GetInstance', summary: 'Get a workflow instance by id', tags, security: read,
        request: { params: instanceID },
        responses: { 200: json(named('V2GetWorkflowInstanceResponse', v2InstanceResponseSchema), 'The instance'), ...failure },
      });
      registry.registerPath({
        method: 'post', path: '/v2/instances/{instanceID}/events', operationId: 'v2SendEvent', summary: 'Send an event to a running workflow', tags, security: write,
        request: { params: instanceID, body: { required: false, content: { 'application/json': { schema: sendEventBodySchema } } } },
        responses: { 204: noContent('Event sent'), ...failure },
      });
      registry.registerPath({
        method: 'put', path: '/v2/instances/{instanceID}/abort', operationId: 'v2CancelEvent', summary: 'Cancel a running workflow', tags, security: write,
        request: { params: instanceID },
        responses: { 204: noContent('Workflow aborted'), ...failure },
      });
      registry.registerPath({
        method: 'put', path: '/v2/instances/{instanceID}/redrive', operationId: 'v2RedriveInstance', tags, security: write,
        summary: 'Run a failed instance again from its failed stage (extension)',
        description: 'Not in Formance Flows. The same instance runs again from the stage that failed: earlier stages are not re-run; history counts the redrive. Only a failed instance (400 otherwise).',
        request: { params: instanceID },
        responses: { 204: noContent('Instance redriven'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/v2/instances/{instanceID}/history', operationId: 'v2GetInstanceHistory', summary: 'Get a workflow instance history by id', tags, security: read,
        request: { params: instanceID },
        responses: { 200: json(named('V2GetWorkflowInstanceHistoryResponse', v2InstanceHistoryResponseSchema), 'History of the instance'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/v2/instances/{instanceID}/stages/{number}/history', operationId: 'v2GetInstanceStageHistory', summary: 'Get a workflow instance stage history', tags, security: read,
        request: { params: z.object({ instanceID: z.string(), number: z.string().regex(/^\d+$/).describe('The stage number (from 0)') }) },
        responses: { 200: json(named('V2GetWorkflowInstanceHistoryStageResponse', v2StageHistoryResponseSchema), 'History of the stage'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/v2/triggers', operationId: 'v2ListTriggers', summary: 'List triggers', tags, security: read,
        request: { query: paging.extend({ name: z.string().optional().describe('Case-insensitive substring of the trigger name') }) },
        responses: { 200: json(named('V2ListTriggersResponse', v2ListTriggersResponseSchema), 'A page of triggers'), ...failure },
      });
      registry.registerPath({
        method: 'post', path: '/v2/triggers', operationId: 'v2CreateTrigger', summary: 'Create trigger', tags, security: write,
        request: { body: { required: true, content: { 'application/json': { schema: named('V2TriggerData', createTriggerBodySchema) } } } },
        responses: { 201: json(named('V2CreateTriggerResponse', v2TriggerResponseSchema), 'Created trigger'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/v2/triggers/{triggerID}', operationId: 'v2ReadTrigger', summary: 'Read trigger', tags, security: read,
        request: { params: triggerID },
        responses: { 200: json(named('V2ReadTriggerResponse', v2TriggerResponseSchema), 'The trigger'), ...failure },
      });
      registry.registerPath({
        method: 'delete', path: '/v2/triggers/{triggerID}', operationId: 'v2DeleteTrigger', summary: 'Delete trigger', tags, security: write,
        request: { params: triggerID },
        responses: { 204: noContent('Trigger deleted'), ...failure },
      });
      registry.registerPath({
        method: 'post', path: '/v2/triggers/{triggerID}/test', operationId: 'testTrigger', tags, security: write,
        summary: 'Test trigger: evaluate its filter and variables against an event payload (starts and records nothing)',
        request: {
          params: triggerID,
          body: { required: true, content: { 'application/json': { schema: v2TestTriggerBodySchema.describe('The event payload, as the filter sees `event`') } } },
        },
        responses: { 200: json(named('V2TestTriggerResponse', v2TestTriggerResponseSchema), "The filter's verdict and each variable's value, or their errors"), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/v2/triggers/{triggerID}/occurrences', operationId: 'v2ListTriggersOccurrences', summary: 'List triggers occurrences', tags, security: read,
        request: { params: triggerID, query: paging },
        responses: { 200: json(named('V2ListTriggersOccurrencesResponse', v2ListOccurrencesResponseSchema), 'A page of occurrences'), ...failure },
      });
      registry.registerPath({
        method: 'get', path: '/v2/triggers/{triggerID}/flow', operationId: 'v2ReadTriggerFlowState', tags, security: read,
        summary: "Flow control (extension): the trigger's running and queued starts per key, now",
        request: { params: triggerID },
        responses: { 200: json(named('V2TriggerFlowStateResponse', v2TriggerFlowStateResponseSchema), 'Per (rule, key) running and queued counts; per admission key queued and starting'), ...failure },
      });
      registerSchedulePaths(registry, { read, write, failure });
    },
  );
}

/** Schedules (our extension; docs/schedules.md): cron/interval schedules with Temporal's overlap policies. */
function registerSchedulePaths(
  registry: Parameters<Parameters<typeof buildOpenApiDocument>[1]>[0],
  { read, write, failure }: { read: Array<Record<string, string[]>>; write: Array<Record<string, string[]>>; failure: Record<string, unknown> },
): void {
  const tags = ['orchestration.v2.schedules'];
  const scheduleID = z.object({ scheduleID: z.string() });
  const schedule = named('V2ScheduleResponse', v2ScheduleResponseSchema);
  const body = (schema: z.ZodType, required = true) => ({ required, content: { 'application/json': { schema } } });
  registry.registerPath({
    method: 'get', path: '/v2/schedules', operationId: 'v2ListSchedules', summary: 'List schedules', tags, security: read,
    request: { query: v2PagingQuerySchema.extend({ name: z.string().optional().describe('Case-insensitive substring of the schedule name') }) },
    responses: { 200: json(named('V2ListSchedulesResponse', v2ListSchedulesResponseSchema), 'A page of schedules, oldest first'), ...failure },
  });
  registry.registerPath({
    method: 'post', path: '/v2/schedules', operationId: 'v2CreateSchedule', summary: 'Create a schedule', tags, security: write,
    request: { body: body(named('V2ScheduleData', v2ScheduleBodySchema)) },
    responses: { 201: json(schedule, 'Created schedule'), ...failure },
  });
  registry.registerPath({
    method: 'get', path: '/v2/schedules/{scheduleID}', operationId: 'v2GetSchedule', summary: 'Get a schedule', tags, security: read,
    request: { params: scheduleID },
    responses: { 200: json(schedule, 'The schedule'), ...failure },
  });
  registry.registerPath({
    method: 'put', path: '/v2/schedules/{scheduleID}', operationId: 'v2UpdateSchedule', summary: 'Replace a schedule (its next fire time is recomputed from now)', tags, security: write,
    request: { params: scheduleID, body: body(v2ScheduleBodySchema) },
    responses: { 200: json(schedule, 'The updated schedule'), ...failure },
  });
  registry.registerPath({
    method: 'delete', path: '/v2/schedules/{scheduleID}', operationId: 'v2DeleteSchedule', summary: 'Delete a schedule (its running instances run on)', tags, security: write,
    request: { params: scheduleID },
    responses: { 204: noContent('Schedule deleted'), ...failure },
  });
  registry.registerPath({
    method: 'post', path: '/v2/schedules/{scheduleID}/pause', operationId: 'v2PauseSchedule', summary: 'Pause a schedule, with an optional note', tags, security: write,
    request: { params: scheduleID, body: body(named('V2PauseScheduleRequest', v2PauseScheduleBodySchema), false) },
    responses: { 200: json(schedule, 'The paused schedule'), ...failure },
  });
  registry.registerPath({
    method: 'post', path: '/v2/schedules/{scheduleID}/unpause', operationId: 'v2UnpauseSchedule', summary: 'Unpause a schedule: it resumes at its next fire time', tags, security: write,
    request: { params: scheduleID, body: body(v2PauseScheduleBodySchema, false) },
    responses: { 200: json(schedule, 'The schedule'), ...failure },
  });
  registry.registerPath({
    method: 'post', path: '/v2/schedules/{scheduleID}/trigger', operationId: 'v2TriggerSchedule', summary: 'Run the action now (also while paused), with an optional overlap policy', tags, security: write,
    request: { params: scheduleID, body: body(named('V2TriggerScheduleRequest', v2TriggerScheduleBodySchema), false) },
    responses: { 200: json(named('V2TriggerScheduleResponse', v2TriggerScheduleResponseSchema), 'The action of the tick'), ...failure },
  });
  registry.registerPath({
    method: 'post', path: '/v2/schedules/{scheduleID}/backfill', operationId: 'v2BackfillSchedule', summary: 'Run the action for every fire time of [from, to)', tags, security: write,
    request: { params: scheduleID, body: body(named('V2BackfillScheduleRequest', v2BackfillScheduleBodySchema)) },
    responses: { 200: json(named('V2BackfillScheduleResponse', v2BackfillScheduleResponseSchema), 'Fire times covered and ticks added (a repeated backfill adds none)'), ...failure },
  });
  registry.registerPath({
    method: 'get', path: '/v2/schedules/{scheduleID}/describe', operationId: 'v2DescribeSchedule', summary: 'Describe a schedule: next fire times, running instances, recent actions, missed ticks', tags, security: read,
    request: { params: scheduleID, query: v2DescribeScheduleQuerySchema },
    responses: { 200: json(named('V2DescribeScheduleResponse', v2DescribeScheduleResponseSchema), 'The description'), ...failure },
  });
}
