import { z } from 'zod';

export const healthRequestSchema = z.object({}).passthrough();
export type HealthRequest = z.infer<typeof healthRequestSchema>;

export const dependencyStatusSchema = z.object({
  status: z.enum(['up', 'down']),
  error: z.string().optional(),
});
export type DependencyStatus = z.infer<typeof dependencyStatusSchema>;

/** Reply of every service's health command. */
export const healthReplyDataSchema = z.object({
  service: z.string(),
  version: z.string(),
  status: z.enum(['up', 'down']),
  dependencies: z.record(z.string(), dependencyStatusSchema),
});
export type HealthReplyData = z.infer<typeof healthReplyDataSchema>;
