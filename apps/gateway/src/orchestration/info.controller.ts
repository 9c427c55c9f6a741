import { Controller, Get } from '@nestjs/common';
import { COMMANDS, InfoReplyData, infoReplyDataSchema } from '@wfp/contracts';
import { GatewayCommandClient } from '../commands/commands.module';
import { callService } from '../commands/call-service';
import { RequestId } from '../http/request-id.decorator';
import { FormancePublic } from '../formance-auth/formance-auth.decorator';

/** getServerInfo (v1 and v2): `{version}`, unwrapped, no auth. */
@FormancePublic()
@Controller('api/orchestration')
export class InfoController {
  constructor(private readonly commands: GatewayCommandClient) {}

  @Get(['_info', 'v2/_info'])
  info(@RequestId() requestId?: string): Promise<InfoReplyData> {
    return callService(this.commands, COMMANDS.orchestrator.info, {}, infoReplyDataSchema, requestId);
  }
}
