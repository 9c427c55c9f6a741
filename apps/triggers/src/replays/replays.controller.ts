import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { COMMANDS, createReplayRequestSchema, listReplaysRequestSchema, Replay, replayIdRequestSchema, Reply } from '@wfp/contracts';
import { parseCommand } from '@wfp/platform';
import { ReplaysService } from './replays.service';

/** The replay commands (`triggers.v1.replays.*`). */
@Controller()
export class ReplaysController {
  constructor(private readonly replays: ReplaysService) {}

  @MessagePattern(COMMANDS.triggers.createReplay)
  async create(@Payload() payload: unknown): Promise<Reply<Replay>> {
    const parsed = parseCommand(createReplayRequestSchema, payload);
    return parsed.ok ? this.replays.create(parsed.value) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.listReplays)
  async list(@Payload() payload: unknown): Promise<Reply<Replay[]>> {
    const parsed = parseCommand(listReplaysRequestSchema, payload);
    return parsed.ok ? this.replays.list(parsed.value.page) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.getReplay)
  async get(@Payload() payload: unknown): Promise<Reply<Replay>> {
    const parsed = parseCommand(replayIdRequestSchema, payload);
    return parsed.ok ? this.replays.get(parsed.value.id) : parsed.reply;
  }

  @MessagePattern(COMMANDS.triggers.abortReplay)
  async abort(@Payload() payload: unknown): Promise<Reply<Replay>> {
    const parsed = parseCommand(replayIdRequestSchema, payload);
    return parsed.ok ? this.replays.abort(parsed.value.id) : parsed.reply;
  }
}
