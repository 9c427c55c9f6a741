import { Module } from '@nestjs/common';
import { FlowControlModule } from '../flow-control/flow-control.module';
import { MatcherService } from './matcher.service';
import { MatchingConsumer } from './matching.consumer';
import { TriggerSetChangesModule } from './trigger-set-changes';

/** Trigger matching: the durable consumers of the matched event types and the matcher (with flow control). */
@Module({ imports: [FlowControlModule, TriggerSetChangesModule], providers: [MatcherService, MatchingConsumer], exports: [MatcherService] })
export class MatchingModule {}
