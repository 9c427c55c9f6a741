import { z } from 'zod';
import { commonEnvShape, inboxPruningEnvShape, parseEnv } from '@wfp/platform';

export const interventionsEnvSchema = z.object({ ...commonEnvShape, ...inboxPruningEnvShape });
export type InterventionsConfig = z.infer<typeof interventionsEnvSchema>;

export function loadInterventionsConfig(env: NodeJS.ProcessEnv = process.env): InterventionsConfig {
  return parseEnv(interventionsEnvSchema, env);
}
