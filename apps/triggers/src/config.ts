import { z } from 'zod';
import { commonEnvShape, parseEnv } from '@wfp/platform';

export const triggersEnvSchema = z.object({ ...commonEnvShape });
export type TriggersConfig = z.infer<typeof triggersEnvSchema>;

export function loadTriggersConfig(env: NodeJS.ProcessEnv = process.env): TriggersConfig {
  return parseEnv(triggersEnvSchema, env);
}
