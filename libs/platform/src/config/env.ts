import { z } from 'zod';
import { natsNamespaceSchema } from '@wfp/contracts';

/** A configuration problem, with a message naming the environment variable at fault. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Variables whose value is a secret (or holds secrets): their value is never shown. */
const SECRET_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|KEY|CLIENTS|CREDENTIAL|PRIVATE|AUTH|COOKIE|SESSION|SALT|SIGNING/i;

/** Whether an invalid value of this variable may be quoted back in an error message. */
export function isSecretVariable(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** A value fit for an error message: none for secrets, URLs without their user info, at most 200 characters. */
export function shownValue(name: string, value: string): string | undefined {
  if (isSecretVariable(name)) return undefined;
  // `scheme://user:password@host` (also in comma-separated lists): keep the scheme and host only.
  const masked = value.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s,]*@/gi, '$1***@');
  return masked.length > 200 ? `${masked.slice(0, 200)}…` : masked;
}

/**
 * Parses `env` with a zod object schema whose keys are environment variable names.
 * On failure the message names each bad variable and the rule it breaks; it quotes the value only
 * for variables that are not secrets (`isSecretVariable`), with any URL credentials masked.
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
      const raw = picked[variable];
      const got = raw === undefined ? undefined : shownValue(variable, raw);
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
