import { z } from 'zod';
import { intFromEnv } from '@wfp/platform';

/** Environment of the Formance v2 cursor paging (merged into the gateway's configuration). */
export const orchestrationPagingEnvShape = {
  /**
   * HMAC-SHA256 key signing v2 list cursors (≥ 32 chars). Generated at start when unset: cursors
   * then die with the process and are not accepted by other gateway replicas, so set it when
   * running more than one gateway.
   */
  ORCHESTRATION_CURSOR_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** v2 `pageSize` when absent or 0. */
  ORCHESTRATION_DEFAULT_PAGE_SIZE: intFromEnv(1, 1000).default(15),
};
