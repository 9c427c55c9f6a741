import { z } from 'zod';
import { intFromEnv } from '@wfp/platform';

export const SOLVIMON_PERMISSIONS = ['WORKFLOW_TRIGGER.VIEW', 'WORKFLOW_TRIGGER.CREATE'] as const;

const apiKeySchema = z.object({
  /** The secret sent as `X-API-KEY: <key>` or `Authorization: Bearer <key>`. */
  key: z.string().min(8, 'must be at least 8 characters').max(500),
  /** e.g. `["WORKFLOW_TRIGGER.VIEW", "WORKFLOW_TRIGGER.CREATE"]`. */
  permissions: z.array(z.enum(SOLVIMON_PERMISSIONS)),
  /** Platforms the key may act on (`x-platform-id`); omitted = any, the first is the default. */
  platforms: z.array(z.string().min(1).max(200)).min(1).optional(),
});
export type SolvimonApiKey = z.infer<typeof apiKeySchema>;

const apiKeysSchema = z
  .string()
  .optional()
  .transform((value, ctx): SolvimonApiKey[] => {
    if (value === undefined || value.trim() === '') return [];
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {key, permissions[], platforms[]?}' });
      return z.NEVER;
    }
    const parsed = z.array(apiKeySchema).safeParse(json);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      return z.NEVER;
    }
    return parsed.data;
  });

/** Environment variables of the Solvimon API (API keys and their permissions). */
export const solvimonEnvShape = {
  /**
   * JSON array of API keys: `[{"key":"sk_live_…","permissions":["WORKFLOW_TRIGGER.VIEW","WORKFLOW_TRIGGER.CREATE"],"platforms":["plat_1"]}]`.
   * None = every Solvimon request answers 401.
   */
  SOLVIMON_API_KEYS: apiKeysSchema,
  /** Page size when `limit` is not given. */
  SOLVIMON_DEFAULT_PAGE_LIMIT: intFromEnv(1, 1000).default(50),
  /** Largest `limit` accepted (larger → 400 INVALID_FIELD). */
  SOLVIMON_MAX_PAGE_LIMIT: intFromEnv(1, 10_000).default(100),
};
