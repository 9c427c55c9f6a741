import { z } from 'zod';
import { commonEnvShape, parseEnv } from '@wfp/platform';

export const orchestratorEnvSchema = z.object({ ...commonEnvShape });
export type OrchestratorConfig = z.infer<typeof orchestratorEnvSchema>;

export function loadOrchestratorConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  return parseEnv(orchestratorEnvSchema, env);
}
