import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  categorizeInterventionRequestSchema,
  createInterventionRequestSchema,
  Intervention,
  InterventionList,
  interventionChangeRequestSchema,
  interventionIdRequestSchema,
  INTERVENTIONS_COMMANDS,
  listInterventionsRequestSchema,
  reassignInterventionRequestSchema,
  replyRequestSchema,
  Reply,
  systemActionRequestSchema,
  updateCustomFieldsRequestSchema,
} from '@wfp/contracts';
import { parseCommand } from '@wfp/platform';
import { InterventionsService } from './interventions.service';

/** The Engage interventions commands. */
@Controller()
export class InterventionsController {
  constructor(private readonly interventions: InterventionsService) {}

  @MessagePattern(INTERVENTIONS_COMMANDS.list)
  list(@Payload() payload: unknown): Promise<Reply<InterventionList>> | Reply<InterventionList> {
    const parsed = parseCommand(listInterventionsRequestSchema, payload);
    return parsed.ok ? this.interventions.list(parsed.value) : parsed.reply;
  }

  @MessagePattern(INTERVENTIONS_COMMANDS.get)
  get(@Payload() payload: unknown): Promise<Reply<Intervention>> | Reply<Intervention> {
    const parsed = parseCommand(interventionIdRequestSchema, payload);
    return parsed.ok ? this.interventions.get(parsed.value.token, parsed.value.id) : parsed.reply;
  }

  @MessagePattern(INTERVENTIONS_COMMANDS.create)
  create(@Payload() payload: unknown): Promise<Reply<Intervention>> | Reply<Intervention> {
    const parsed = parseCommand(createInterventionRequestSchema, payload);
    return parsed.ok ? this.interventions.create(parsed.value.token, parsed.value.content_id) : parsed.reply;
  }

  @MessagePattern(INTERVENTIONS_COMMANDS.close)
  close(@Payload() payload: unknown): Promise<Reply<Intervention>> | Reply<Intervention> {
    const parsed = parseCommand(interventionChangeRequestSchema, payload);
    return parsed.ok ? this.interventions.close(parsed.value.token, parsed.value.id) : parsed.reply;
  }

  @MessagePattern(INTERVENTIONS_COMMANDS.cancel)
  cancel(@Payload() payload: unknown): Promise<Reply<Intervention>> | Reply<Intervention> {
    const parsed = parseCommand(interventionChangeRequestSchema, payload);
    return parsed.ok ? this.interventions.cancel(parsed.value.token, parsed.value.id) : parsed.reply;
  }

  @MessagePattern(INTERVENTIONS_COMMANDS.reassign)
  reassign(@Payload() payload: unknown): Promise<Reply<Intervention>> | Reply<Intervention> {
    const parsed = parseCommand(reassignInterventionRequestSchema, payload);
    return parsed.ok ? this.interventions.reassign(parsed.value.token, parsed.value.id, parsed.value.user_id) : parsed.reply;
  }

  @MessagePattern(INTERVENTIONS_COMMANDS.categorize)
  categorize(@Payload() payload: unknown): Promise<Reply<Intervention>> | Reply<Intervention> {
    const parsed = parseCommand(categorizeInterventionRequestSchema, payload);
    return parsed.ok ? this.interventions.categorize(parsed.value.token, parsed.value.id, parsed.value.category_ids) : parsed.reply;
  }

  @MessagePattern(INTERVENTIONS_COMMANDS.updateCustomFields)
  updateCustomFields(@Payload() payload: unknown): Promise<Reply<Intervention>> | Reply<Intervention> {
    const parsed = parseCommand(updateCustomFieldsRequestSchema, payload);
    return parsed.ok
      ? this.interventions.updateCustomFields(parsed.value.token, parsed.value.id, parsed.value.custom_field_values)
      : parsed.reply;
  }

  @MessagePattern(INTERVENTIONS_COMMANDS.reply)
  reply(@Payload() payload: unknown): Promise<Reply<Record<string, unknown>>> | Reply<Record<string, unknown>> {
    const parsed = parseCommand(replyRequestSchema, payload);
    return parsed.ok ? this.interventions.reply(parsed.value.token, parsed.value.in_reply_to_id, parsed.value.body) : parsed.reply;
  }

  /** Internal: an automation acting as a system user (the orchestrator's `intervention` stage). */
  @MessagePattern(INTERVENTIONS_COMMANDS.systemAction)
  systemAction(@Payload() payload: unknown): Promise<Reply<Intervention>> | Reply<Intervention> {
    const parsed = parseCommand(systemActionRequestSchema, payload);
    return parsed.ok ? this.interventions.systemAction(parsed.value) : parsed.reply;
  }
}
