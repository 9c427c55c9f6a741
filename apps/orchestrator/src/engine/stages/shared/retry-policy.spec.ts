import { retryDelayMs as nextDelayMs } from '../../core/stage-kind';
import { checkRetry, DEFAULT_RETRY, policyOf, resolveRetry, retrySpec } from './retry-policy';

describe('retry policy', () => {
  it('defaults to 5 attempts, 1s backoff doubling, capped at 1m', () => {
    const resolved = resolveRetry('http', {});
    expect(resolved).toEqual({ ok: true, policy: DEFAULT_RETRY });
    expect([1, 2, 3, 4, 5].map((attempt) => nextDelayMs(DEFAULT_RETRY, attempt))).toEqual([1000, 2000, 4000, 8000, undefined]);
  });

  it('is overridable per stage and caps the backoff', () => {
    const resolved = resolveRetry('http', { retry: { attempts: 10, backoff: '10s', max_backoff: '30s' } });
    expect(resolved).toEqual({ ok: true, policy: { attempts: 10, backoffMs: 10_000, maxBackoffMs: 30_000 } });
    if (!resolved.ok) throw new Error('unreachable');
    expect(nextDelayMs(resolved.policy, 3)).toBe(30_000);
    expect(nextDelayMs(resolved.policy, 9)).toBe(30_000);
    expect(nextDelayMs(resolved.policy, 10)).toBeUndefined();
    expect(policyOf(retrySpec(resolved.policy))).toEqual(resolved.policy);
    expect(retrySpec(resolved.policy)).toEqual({ attempts: 10, backoff: '10s', max_backoff: '30s' });
  });

  it('a long backoff without max_backoff raises the cap to the backoff', () => {
    expect(resolveRetry('http', { retry: { backoff: '2m' } })).toEqual({
      ok: true,
      policy: { attempts: 5, backoffMs: 120_000, maxBackoffMs: 120_000 },
    });
  });

  it('refuses bad shapes at create with a clear message, lets templates through', () => {
    expect(checkRetry('http', { retry: 3 })).toMatch(/'retry' must be an object/);
    expect(checkRetry('http', { retry: { attempts: 0 } })).toMatch(/attempts must be an integer from 1/);
    expect(checkRetry('http', { retry: { attempts: 1.5 } })).toMatch(/attempts/);
    expect(checkRetry('http', { retry: { backoff: 'soon' } })).toMatch(/invalid retry.backoff 'soon'/);
    expect(checkRetry('http', { retry: { tries: 3 } })).toMatch(/unknown retry field 'tries'/);
    expect(checkRetry('http', { retry: { attempts: '${n}', backoff: '${b}' } })).toBeUndefined();
    expect(resolveRetry('http', { retry: { attempts: '3' } })).toMatchObject({ ok: true, policy: { attempts: 3 } });
    expect(resolveRetry('http', { retry: { attempts: 'x' } })).toMatchObject({ ok: false });
    expect(resolveRetry('http', { retry: { backoff: '1m', max_backoff: '1s' } })).toMatchObject({ ok: false, error: expect.stringMatching(/max_backoff/) });
  });
});
