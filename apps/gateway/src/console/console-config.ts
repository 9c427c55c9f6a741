import { z } from 'zod';
import { intFromEnv } from '@wfp/platform';

/** Environment variables of the console (static files at /console and its bus-event stream). */
export const consoleEnvShape = {
  /** Directory of the built console (`index.html` and `assets/`); default: `dist/apps/console` of this build. */
  CONSOLE_DIR: z.string().min(1).optional(),
  /** Interval of the SSE keep-alive comment on `/console/api/events/stream`, in milliseconds. */
  CONSOLE_SSE_HEARTBEAT_MS: intFromEnv(1000, 300_000).default(15_000),
  /** Most bus-event streams open at once (each is one ephemeral JetStream consumer); more → 503. */
  CONSOLE_SSE_MAX_STREAMS: intFromEnv(1, 10_000).default(100),
};
