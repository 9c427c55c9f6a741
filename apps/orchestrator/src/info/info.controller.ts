import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { COMMANDS, InfoReplyData, ok, Reply } from '@wfp/contracts';
import { packageVersion } from '@wfp/platform';

/** getServerInfo: the orchestrator's version. */
@Controller()
export class InfoController {
  @MessagePattern(COMMANDS.orchestrator.info)
  info(): Reply<InfoReplyData> {
    return ok({ version: packageVersion() });
  }
}
