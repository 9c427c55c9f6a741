import { z } from 'zod';
import { healthReplyDataSchema, healthRequestSchema } from './health/health';
import {
  createWorkflowRequestSchema,
  deleteWorkflowRequestSchema,
  emptyReplyDataSchema,
  getWorkflowRequestSchema,
  infoReplyDataSchema,
  infoRequestSchema,
  instanceHistorySchema,
  instanceIdRequestSchema,
  setInstanceMetadataRequestSchema,
  pauseWorkflowRequestSchema,
  resumeWorkflowReplySchema,
  createBulkJobRequestSchema,
  createBulkJobReplySchema,
  bulkJobIdRequestSchema,
  bulkJobSchema,
  listBulkJobsRequestSchema,
  listInstancesRequestSchema,
  listWorkflowsRequestSchema,
  ORCHESTRATOR_COMMANDS,
  sendEventRequestSchema,
  stageHistoryRequestSchema,
  stageHistorySchema,
  startInstanceReplyDataSchema,
  startInstanceRequestSchema,
  startManyInstancesReplyDataSchema,
  startManyInstancesRequestSchema,
  workflowInstanceSchema,
  workflowSchema,
} from './orchestrator';
import {
  createTriggerRequestSchema,
  createWorkflowTriggerReplySchema,
  createWorkflowTriggerRequestSchema,
  flowStateRequestSchema,
  getWorkflowTriggerRequestSchema,
  listTriggersRequestSchema,
  searchWorkflowTriggersReplySchema,
  searchWorkflowTriggersRequestSchema,
  testTriggerRequestSchema,
  triggerFlowStateSchema,
  triggerIdRequestSchema,
  triggerOccurrenceSchema,
  triggerSchema,
  TRIGGERS_COMMANDS,
  triggerTestResultSchema,
  workflowTriggerSchema,
} from './triggers';
import {
  backfillScheduleReplySchema,
  backfillScheduleRequestSchema,
  createScheduleRequestSchema,
  describeScheduleRequestSchema,
  listSchedulesRequestSchema,
  pauseScheduleRequestSchema,
  scheduleDescriptionSchema,
  scheduleIdRequestSchema,
  scheduleSchema,
  SCHEDULES_COMMANDS,
  triggerScheduleReplySchema,
  triggerScheduleRequestSchema,
  updateScheduleRequestSchema,
} from './schedules';
import {
  categorizeInterventionRequestSchema,
  contentSchema,
  createInterventionRequestSchema,
  interventionChangeRequestSchema,
  interventionIdRequestSchema,
  interventionListSchema,
  interventionSchema,
  INTERVENTIONS_COMMANDS,
  listInterventionsRequestSchema,
  reassignInterventionRequestSchema,
  replyRequestSchema,
  systemActionRequestSchema,
  updateCustomFieldsRequestSchema,
} from './interventions';

/**
 * Every NATS command (request/reply on `<namespace>.<command>`): its request schema and the
 * schema of `data` in its `{ ok: true, data }` reply (errors: `replyErrorSchema`). The AsyncAPI
 * document is generated from it; a command missing here fails the contracts test.
 */
export interface CommandCatalogEntry {
  service: 'orchestrator' | 'triggers' | 'interventions';
  request: z.ZodType;
  reply: z.ZodType;
}

const o = (request: z.ZodType, reply: z.ZodType): CommandCatalogEntry => ({ service: 'orchestrator', request, reply });
const t = (request: z.ZodType, reply: z.ZodType): CommandCatalogEntry => ({ service: 'triggers', request, reply });
const i = (request: z.ZodType, reply: z.ZodType): CommandCatalogEntry => ({ service: 'interventions', request, reply });

export const COMMAND_CATALOG: Record<string, CommandCatalogEntry> = {
  [ORCHESTRATOR_COMMANDS.health]: o(healthRequestSchema, healthReplyDataSchema),
  [ORCHESTRATOR_COMMANDS.info]: o(infoRequestSchema, infoReplyDataSchema),
  [ORCHESTRATOR_COMMANDS.getWorkflow]: o(getWorkflowRequestSchema, workflowSchema),
  [ORCHESTRATOR_COMMANDS.startInstance]: o(startInstanceRequestSchema, startInstanceReplyDataSchema),
  [ORCHESTRATOR_COMMANDS.startManyInstances]: o(startManyInstancesRequestSchema, startManyInstancesReplyDataSchema),
  [ORCHESTRATOR_COMMANDS.listWorkflows]: o(listWorkflowsRequestSchema, z.array(workflowSchema)),
  [ORCHESTRATOR_COMMANDS.createWorkflow]: o(createWorkflowRequestSchema, workflowSchema),
  [ORCHESTRATOR_COMMANDS.deleteWorkflow]: o(deleteWorkflowRequestSchema, emptyReplyDataSchema),
  [ORCHESTRATOR_COMMANDS.listInstances]: o(listInstancesRequestSchema, z.array(workflowInstanceSchema)),
  [ORCHESTRATOR_COMMANDS.getInstance]: o(instanceIdRequestSchema, workflowInstanceSchema),
  [ORCHESTRATOR_COMMANDS.sendEvent]: o(sendEventRequestSchema, emptyReplyDataSchema),
  [ORCHESTRATOR_COMMANDS.abortInstance]: o(instanceIdRequestSchema, emptyReplyDataSchema),
  [ORCHESTRATOR_COMMANDS.redriveInstance]: o(instanceIdRequestSchema, emptyReplyDataSchema),
  [ORCHESTRATOR_COMMANDS.setInstanceMetadata]: o(setInstanceMetadataRequestSchema, emptyReplyDataSchema),
  [ORCHESTRATOR_COMMANDS.pauseWorkflow]: o(pauseWorkflowRequestSchema, workflowSchema),
  [ORCHESTRATOR_COMMANDS.resumeWorkflow]: o(getWorkflowRequestSchema, resumeWorkflowReplySchema),
  [ORCHESTRATOR_COMMANDS.createBulkJob]: o(createBulkJobRequestSchema, createBulkJobReplySchema),
  [ORCHESTRATOR_COMMANDS.getBulkJob]: o(bulkJobIdRequestSchema, bulkJobSchema),
  [ORCHESTRATOR_COMMANDS.listBulkJobs]: o(listBulkJobsRequestSchema, z.array(bulkJobSchema)),
  [ORCHESTRATOR_COMMANDS.abortBulkJob]: o(bulkJobIdRequestSchema, bulkJobSchema),
  [ORCHESTRATOR_COMMANDS.getInstanceHistory]: o(instanceIdRequestSchema, z.array(instanceHistorySchema)),
  [ORCHESTRATOR_COMMANDS.getStageHistory]: o(stageHistoryRequestSchema, z.array(stageHistorySchema)),

  [TRIGGERS_COMMANDS.health]: t(healthRequestSchema, healthReplyDataSchema),
  [TRIGGERS_COMMANDS.listTriggers]: t(listTriggersRequestSchema, z.array(triggerSchema)),
  [TRIGGERS_COMMANDS.createTrigger]: t(createTriggerRequestSchema, triggerSchema),
  [TRIGGERS_COMMANDS.getTrigger]: t(triggerIdRequestSchema, triggerSchema),
  [TRIGGERS_COMMANDS.deleteTrigger]: t(triggerIdRequestSchema, emptyReplyDataSchema),
  [TRIGGERS_COMMANDS.listOccurrences]: t(triggerIdRequestSchema, z.array(triggerOccurrenceSchema)),
  [TRIGGERS_COMMANDS.testTrigger]: t(testTriggerRequestSchema, triggerTestResultSchema),
  [TRIGGERS_COMMANDS.flowState]: t(flowStateRequestSchema, triggerFlowStateSchema),
  [TRIGGERS_COMMANDS.createWorkflowTrigger]: t(createWorkflowTriggerRequestSchema, createWorkflowTriggerReplySchema),
  [TRIGGERS_COMMANDS.getWorkflowTrigger]: t(getWorkflowTriggerRequestSchema, workflowTriggerSchema),
  [TRIGGERS_COMMANDS.searchWorkflowTriggers]: t(searchWorkflowTriggersRequestSchema, searchWorkflowTriggersReplySchema),

  [SCHEDULES_COMMANDS.createSchedule]: t(createScheduleRequestSchema, scheduleSchema),
  [SCHEDULES_COMMANDS.listSchedules]: t(listSchedulesRequestSchema, z.array(scheduleSchema)),
  [SCHEDULES_COMMANDS.getSchedule]: t(scheduleIdRequestSchema, scheduleSchema),
  [SCHEDULES_COMMANDS.updateSchedule]: t(updateScheduleRequestSchema, scheduleSchema),
  [SCHEDULES_COMMANDS.deleteSchedule]: t(scheduleIdRequestSchema, emptyReplyDataSchema),
  [SCHEDULES_COMMANDS.pauseSchedule]: t(pauseScheduleRequestSchema, scheduleSchema),
  [SCHEDULES_COMMANDS.unpauseSchedule]: t(scheduleIdRequestSchema, scheduleSchema),
  [SCHEDULES_COMMANDS.triggerSchedule]: t(triggerScheduleRequestSchema, triggerScheduleReplySchema),
  [SCHEDULES_COMMANDS.backfillSchedule]: t(backfillScheduleRequestSchema, backfillScheduleReplySchema),
  [SCHEDULES_COMMANDS.describeSchedule]: t(describeScheduleRequestSchema, scheduleDescriptionSchema),

  [INTERVENTIONS_COMMANDS.health]: i(healthRequestSchema, healthReplyDataSchema),
  [INTERVENTIONS_COMMANDS.list]: i(listInterventionsRequestSchema, interventionListSchema),
  [INTERVENTIONS_COMMANDS.get]: i(interventionIdRequestSchema, interventionSchema),
  [INTERVENTIONS_COMMANDS.create]: i(createInterventionRequestSchema, interventionSchema),
  [INTERVENTIONS_COMMANDS.close]: i(interventionChangeRequestSchema, interventionSchema),
  [INTERVENTIONS_COMMANDS.cancel]: i(interventionChangeRequestSchema, interventionSchema),
  [INTERVENTIONS_COMMANDS.reassign]: i(reassignInterventionRequestSchema, interventionSchema),
  [INTERVENTIONS_COMMANDS.categorize]: i(categorizeInterventionRequestSchema, interventionSchema),
  [INTERVENTIONS_COMMANDS.updateCustomFields]: i(updateCustomFieldsRequestSchema, interventionSchema),
  [INTERVENTIONS_COMMANDS.reply]: i(replyRequestSchema, contentSchema.partial().passthrough()),
  [INTERVENTIONS_COMMANDS.systemAction]: i(systemActionRequestSchema, interventionSchema),
};
