import { z } from 'zod';

/**
 * Every subject, queue group and stream name is prefixed by a namespace, so several deployments
 * (or parallel test runs) can share one NATS server without answering each other's commands.
 * A namespace is one NATS subject token: letters, digits, '-' and '_'.
 */
export const natsNamespaceSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of letters, digits, "-" or "_"');

export type NatsNamespace = z.infer<typeof natsNamespaceSchema>;
