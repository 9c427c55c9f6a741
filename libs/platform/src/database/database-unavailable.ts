/**
 * Whether an error means "the database cannot be reached right now" (server restarting or
 * shutting down, connection refused/reset/terminated) rather than a problem with the query: the
 * caller may retry the same operation later. Works on `pg` errors and on TypeORM's
 * `QueryFailedError` (which carries the driver error).
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * SQLSTATE: 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now; class 08
 * connection exceptions; 53300 too_many_connections.
 */
const SQLSTATE = /^(57P0[123]|08\w{3}|53300)$/;
/** …and `pg-pool`'s "timeout exceeded when trying to connect" (no free connection in time). */
const MESSAGE = /connection terminated|terminating connection|connection timeout|timeout exceeded when trying to connect|database system is (starting up|shutting down|in recovery mode)/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 3; depth++) {
    const { code, message, driverError } = current as { code?: unknown; message?: unknown; driverError?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLSTATE.test(code))) return true;
    if (typeof message === 'string' && MESSAGE.test(message)) return true;
    current = driverError;
  }
  return false;
}
