import { z } from 'zod';
import { commonEnvShape, parseEnv } from '@wfp/platform';

export const interventionsEnvSchema = z.object({ ...commonEnvShape });
export type InterventionsConfig = z.infer<typeof interventionsEnvSchema>;

export function loadInterventionsConfig(env: NodeJS.ProcessEnv = process.env): InterventionsConfig {
  return parseEnv(interventionsEnvSchema, env);
}
