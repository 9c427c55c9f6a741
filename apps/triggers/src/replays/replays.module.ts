import { Module } from '@nestjs/common';
import { MatchingModule } from '../matching/matching.module';
import { ReplaysController } from './replays.controller';
import { ReplaysService } from './replays.service';
import { ReplayWorker } from './replay.worker';

/** Event replay through triggers: the commands and the worker (it needs the matcher: only with matching on). */
@Module({ imports: [MatchingModule], controllers: [ReplaysController], providers: [ReplaysService, ReplayWorker] })
export class ReplaysModule {}
