import { z } from 'zod';
import { natsNamespaceSchema } from '@wfp/contracts';

/** A configuration problem, with a message naming the environment variable at fault. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses `env` with a zod object schema whose keys are environment variable names.
 * On failure the message names each bad variable and what was wrong with it.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    picked[key] = value === '' ? undefined : value;
  }
  const result = schema.safeParse(picked);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '?');
      const got = picked[variable];
      return `${variable}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

const urlWithProtocols = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

export const intFromEnv = (min: number, max: number) =>
  z.coerce.number().int(`must be an integer`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

/** Variables every service reads. */
export const commonEnvShape = {
  DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:']).default(
    'postgres://postgres@127.0.0.1:5432/workflow_platform',
  ),
  NATS_URL: z
    .string()
    .default('nats://127.0.0.1:4222')
    .refine(
      (value) => value.split(',').every((url) => /^(nats|tls|ws|wss):\/\/[^\s]+$/.test(url.trim())),
      'must be a comma-separated list of nats:// URLs',
    ),
  NATS_NAMESPACE: natsNamespaceSchema.default('wfp'),
  /** Replicas of every JetStream stream and KV bucket the platform creates (3 on a 3-node cluster). */
  NATS_STREAM_REPLICAS: intFromEnv(1, 5).default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

export const commonEnvSchema = z.object(commonEnvShape);
export type CommonConfig = z.infer<typeof commonEnvSchema>;

/** Splits NATS_URL into the server list the NATS client takes. */
export function natsServers(natsUrl: string): string[] {
  return natsUrl.split(',').map((url) => url.trim());
}

/** Loads configuration or exits the process with one clear line (no stack trace). */
export function loadConfigOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: error.message })}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
