import { z } from 'zod';
import { CommandClient } from '@wfp/platform';
import { ApiError } from '../http/api-error';

/**
 * Sends a command and returns the reply's data; an error reply becomes an ApiError (rendered by
 * the exception filter in the caller's API format), no reply in time a 503.
 */
export async function callService<T extends z.ZodType>(
  client: CommandClient,
  command: string,
  payload: unknown,
  dataSchema: T,
  requestId?: string,
): Promise<z.infer<T>> {
  const reply = await client.send(command, payload, dataSchema, { requestId });
  if (!reply.ok) throw ApiError.fromReply(reply.error);
  return reply.data;
}
