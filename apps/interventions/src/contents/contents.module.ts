import { Module } from '@nestjs/common';
import { ContentsConsumer } from './contents.consumer';

/** Customer messages from the bus (`content.created`). */
@Module({ providers: [ContentsConsumer] })
export class ContentsModule {}
