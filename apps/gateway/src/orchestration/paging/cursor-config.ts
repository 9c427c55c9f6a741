import { z } from 'zod';
import { intFromEnv } from '@wfp/platform';

/** Environment of the Formance v2 cursor paging (merged into the gateway's configuration). */
export const orchestrationPagingEnvShape = {
  /**
   * HMAC-SHA256 key signing v2 list cursors (≥ 32 chars). When unset it is generated once and
   * shared by every gateway replica through NATS (GATEWAY_SHARED_SECRETS=nats, the default); with
   * GATEWAY_SHARED_SECRETS=process it is per process (cursors die with it: one gateway only).
   */
  ORCHESTRATION_CURSOR_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** v2 `pageSize` when absent or 0. */
  ORCHESTRATION_DEFAULT_PAGE_SIZE: intFromEnv(1, 1000).default(15),
};
