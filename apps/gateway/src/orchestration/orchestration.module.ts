import { Module } from '@nestjs/common';
import { FormanceAuthModule } from '../formance-auth/formance-auth.module';
import { InfoController } from './info.controller';
import { WorkflowOperations } from './operations/workflow-operations';
import { InstanceOperations } from './operations/instance-operations';
import { TriggerOperations } from './operations/trigger-operations';
import { CursorPaging } from './paging/cursor-paging';
import { WorkflowsV1Controller } from './v1/workflows-v1.controller';
import { InstancesV1Controller } from './v1/instances-v1.controller';
import { TriggersV1Controller } from './v1/triggers-v1.controller';
import { WorkflowsV2Controller } from './v2/workflows-v2.controller';
import { InstancesV2Controller } from './v2/instances-v2.controller';
import { BulkActionsV2Controller } from './v2/bulk-actions-v2.controller';
import { BulkOperations } from './operations/bulk-operations';
import { ReplaysV2Controller } from './v2/replays-v2.controller';
import { ReplayOperations } from './operations/replay-operations';
import { TriggersV2Controller } from './v2/triggers-v2.controller';
import { SchedulesV2Controller } from './v2/schedules-v2.controller';
import { ScheduleOperations } from './operations/schedule-operations';

/**
 * Formance Orchestration under /api/orchestration (v1) and /api/orchestration/v2 (v2), behind
 * Formance OAuth2 (`FormanceAuthModule`, which also serves the token endpoint). Each operation
 * has one implementation (`operations/`) that both versions' controllers bind; the versions
 * differ only in list paging (v1: everything, v2: signed keyset cursors) and in v2's extra
 * test-trigger route. v2 also serves schedules (docs/schedules.md), our extension.
 */
@Module({
  imports: [FormanceAuthModule],
  controllers: [
    InfoController,
    WorkflowsV1Controller,
    InstancesV1Controller,
    TriggersV1Controller,
    WorkflowsV2Controller,
    InstancesV2Controller,
    TriggersV2Controller,
    BulkActionsV2Controller,
    ReplaysV2Controller,
    SchedulesV2Controller,
  ],
  providers: [
    WorkflowOperations,
    InstanceOperations,
    TriggerOperations,
    ScheduleOperations,
    CursorPaging,
    BulkOperations,
    ReplayOperations,
  ],
})
export class OrchestrationModule {}
