import { Module } from '@nestjs/common';
import { MatcherService } from './matcher.service';
import { MatchingConsumer } from './matching.consumer';

/** Trigger matching: the durable consumer of every bus event and the matcher. */
@Module({ providers: [MatcherService, MatchingConsumer], exports: [MatcherService] })
export class MatchingModule {}
