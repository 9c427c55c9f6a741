import { Module } from '@nestjs/common';
import { FlowControlModule } from '../flow-control/flow-control.module';
import { MatcherService } from './matcher.service';
import { MatchingConsumer } from './matching.consumer';

/** Trigger matching: the durable consumer of every bus event and the matcher (with flow control). */
@Module({ imports: [FlowControlModule], providers: [MatcherService, MatchingConsumer], exports: [MatcherService] })
export class MatchingModule {}
