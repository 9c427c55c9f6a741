/**
 * Keeps credentials out of log lines: query parameters, object keys and `Bearer` values that carry
 * a secret are replaced by `[REDACTED]` in every URL, body, header map and message that is logged.
 */

export const REDACTED = '[REDACTED]';

/** Names (lower case, without `[]`, `-`/`_` ignored) of fields and query parameters that hold a credential. */
const SECRET_NAMES = new Set(
  [
    'access_token',
    'refresh_token',
    'id_token',
    'token',
    'client_secret',
    'password',
    'passwd',
    'secret',
    'authorization',
    'proxy-authorization',
    'x-api-key',
    'api_key',
    'apikey',
    'cookie',
    'set-cookie',
  ].map(normalizeName),
);

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\[.*$/, '').replace(/[-_]/g, '');
}

/** True when a field / header / query parameter of this name holds a credential. */
export function isSecretName(name: string): boolean {
  const normalized = normalizeName(name);
  return SECRET_NAMES.has(normalized) || normalized.endsWith('secret') || normalized.endsWith('password');
}

const SECRET_IN_TEXT = /((?:access_token|refresh_token|id_token|client_secret|password|api_key|apikey)(?:%5B%5D|\[\])?["']?\s*[=:]\s*["']?)[^&\s"',;}]+/gi;
const BEARER_IN_TEXT = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;

/** A free text (message, error) with `access_token=…`, `client_secret: …` and `Bearer …` values redacted. */
export function redactText(text: string): string {
  return text.replace(SECRET_IN_TEXT, `$1${REDACTED}`).replace(BEARER_IN_TEXT, `$1 ${REDACTED}`);
}

/** A URL (absolute or path + query) whose credential query parameters are redacted. */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return url;
  const query = url
    .slice(queryStart + 1)
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const rawKey = eq < 0 ? part : part.slice(0, eq);
      let key = rawKey;
      try {
        key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
      } catch {
        // a malformed escape: judge the raw key
      }
      return isSecretName(key) ? `${rawKey}=${REDACTED}` : part;
    })
    .join('&');
  return `${url.slice(0, queryStart)}?${query}`;
}

const MAX_DEPTH = 8;

/**
 * A copy of a logged value with credentials redacted: values under secret keys, secrets inside
 * strings (`access_token=…`, `Bearer …`). Errors and other class instances are left to their
 * serializers; plain objects and arrays are walked (to a bounded depth).
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1)) as T;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] = isSecretName(key) && item !== undefined && item !== null ? REDACTED : redactSecrets(item, depth + 1);
  }
  return out as T;
}
