import { Module } from '@nestjs/common';
import { InboxPruningModule } from '@wfp/platform';
import { SCHEDULES_SCHEMA } from './database/schedules-schema';
import { SchedulesController } from './schedules.controller';
import { SchedulesService } from './schedules.service';
import { ScheduleEvaluator } from './schedule-evaluator';
import { ScheduleDueLoop } from './schedule-due-loop';
import { TickActions } from './tick-actions';
import { InstanceEndsConsumer } from './instance-ends.consumer';

/**
 * Schedules (docs/schedules.md): the schedule resource and its commands, the due loop that fires
 * ticks (start a workflow or publish an event), and the consumer that learns when the
 * schedules' instances end. Tables in the `schedules` schema, owned by the triggers service.
 */
@Module({
  // The inbox of the instance-ends consumer is pruned like the service's own (INBOX_RETENTION_HOURS).
  imports: [InboxPruningModule.forService(SCHEDULES_SCHEMA)],
  controllers: [SchedulesController],
  providers: [SchedulesService, ScheduleEvaluator, ScheduleDueLoop, TickActions, InstanceEndsConsumer],
  exports: [SchedulesService, ScheduleDueLoop],
})
export class SchedulesModule {}
