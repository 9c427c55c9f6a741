import { z } from 'zod';

export const infoRequestSchema = z.object({}).passthrough();

/** getServerInfo: `{ version }` of the orchestrator. */
export const infoReplyDataSchema = z.object({ version: z.string().min(1) });
export type InfoReplyData = z.infer<typeof infoReplyDataSchema>;
