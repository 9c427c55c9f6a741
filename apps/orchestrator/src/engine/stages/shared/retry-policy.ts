import { isTemplated, RetryPolicy } from '../../core/stage-kind';
import { formatGoDuration, parseGoDuration } from './go-duration';
import { isObject, Spec } from './stage-fields';

/**
 * The retry policy of an acting stage, parsed with the stage:
 * `retry: {attempts: 5, backoff: 1s, max_backoff: 1m}` (the default; each field optional).
 * The delay before attempt n+1 is `backoff × 2^(n-1)`, capped at `max_backoff`.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, backoffMs: 1000, maxBackoffMs: 60_000 };
export const MAX_ATTEMPTS = 100;

/** The retry policy as /history shows it in the stage input. */
export interface RetrySpec {
  attempts: number;
  backoff: string;
  max_backoff: string;
}

function problemOf(kind: string, spec: Spec, atCreate: boolean): string | undefined {
  const retry = spec.retry;
  if (retry === undefined || retry === null) return undefined;
  if (!isObject(retry)) return `${kind}: 'retry' must be an object {attempts, backoff, max_backoff}`;
  const extra = Object.keys(retry).filter((key) => !['attempts', 'backoff', 'max_backoff'].includes(key));
  if (extra.length > 0) return `${kind}: unknown retry field '${extra[0]}' (attempts, backoff, max_backoff)`;
  const attempts = retry.attempts;
  if (attempts !== undefined && attempts !== null) {
    const templated = atCreate && typeof attempts === 'string' && isTemplated(attempts);
    const value = typeof attempts === 'string' && /^\d+$/.test(attempts) ? Number(attempts) : attempts;
    if (!templated && (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_ATTEMPTS)) {
      return `${kind}: retry.attempts must be an integer from 1 to ${MAX_ATTEMPTS}`;
    }
  }
  for (const field of ['backoff', 'max_backoff'] as const) {
    const value = retry[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return `${kind}: retry.${field} must be a Go duration string (e.g. 1s, 1m)`;
    if (atCreate && isTemplated(value)) continue;
    const ms = parseGoDuration(value);
    if (ms === undefined || ms < 0) return `${kind}: invalid retry.${field} '${value}' (a Go duration, e.g. 1s, 1m)`;
  }
  return undefined;
}

/** Structural check at create (templated values pass). */
export function checkRetry(kind: string, spec: Spec): string | undefined {
  return problemOf(kind, spec, true);
}

/** Full parse once interpolated: the policy, or an error message. */
export function resolveRetry(kind: string, spec: Spec): { ok: true; policy: RetryPolicy } | { ok: false; error: string } {
  const problem = problemOf(kind, spec, false);
  if (problem) return { ok: false, error: problem };
  const retry = isObject(spec.retry) ? spec.retry : {};
  const attempts = retry.attempts === undefined || retry.attempts === null ? DEFAULT_RETRY.attempts : Number(retry.attempts);
  const backoffMs = typeof retry.backoff === 'string' ? parseGoDuration(retry.backoff)! : DEFAULT_RETRY.backoffMs;
  const maxBackoffMs = typeof retry.max_backoff === 'string' ? parseGoDuration(retry.max_backoff)! : Math.max(DEFAULT_RETRY.maxBackoffMs, backoffMs);
  if (maxBackoffMs < backoffMs) return { ok: false, error: `${kind}: retry.max_backoff must not be shorter than retry.backoff` };
  return { ok: true, policy: { attempts, backoffMs, maxBackoffMs } };
}

export function retrySpec(policy: RetryPolicy): RetrySpec {
  return { attempts: policy.attempts, backoff: formatGoDuration(policy.backoffMs), max_backoff: formatGoDuration(policy.maxBackoffMs) };
}

export function policyOf(spec: RetrySpec): RetryPolicy {
  return { attempts: spec.attempts, backoffMs: parseGoDuration(spec.backoff)!, maxBackoffMs: parseGoDuration(spec.max_backoff)! };
}
