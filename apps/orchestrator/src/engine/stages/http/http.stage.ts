import { isTemplated, StageActor, StageDefinition } from '../../core/stage-kind';
import { formatGoDuration, parseGoDuration } from '../shared/go-duration';
import { isRetryableStatus, readBody, StageDependencies, transportError } from '../acting';
import { checkRetry, policyOf, resolveRetry, RetrySpec, retrySpec } from '../shared/retry-policy';
import {
  durationField,
  enumField,
  firstProblem,
  isObject,
  optionalString,
  saveAsField,
  Spec,
  stringField,
  unknownKeys,
} from '../shared/stage-fields';

/**
 * `http`: one outbound HTTP call.
 * `{method, url, headers?, body?, timeout? (10s), save_as?, retry?}`. 2xx succeeds; 408, 429, 5xx,
 * network errors and timeouts are retried per `retry`; other statuses (4xx, 3xx: redirects are not
 * followed) fail the stage. Every attempt carries the same `Idempotency-Key` (the stage run's).
 * With `save_as: hook`, later stages see `${hook.status}` and `${hook.body.<field>}` for the
 * top-level scalar fields of a JSON response. The target host must be in the configured
 * allow-list when there is one (the SSRF control).
 */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
const FIELDS = ['method', 'url', 'headers', 'body', 'timeout', 'save_as', 'retry'];
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_TIMEOUT_MS = 300_000;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export type HttpInput = {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeout: string;
  save_as?: string;
  retry: RetrySpec;
};

function urlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `http: invalid url '${value}'`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `http: url must be http or https (got '${url.protocol}')`;
  return undefined;
}

function problemOf(spec: Spec, atCreate: boolean): string | undefined {
  const method = typeof spec.method === 'string' ? { ...spec, method: spec.method.toUpperCase() } : spec;
  const problem = firstProblem(
    unknownKeys('http', spec, FIELDS),
    stringField('http', spec, 'url', true),
    enumField('http', method, 'method', HTTP_METHODS, atCreate),
    stringField('http', spec, 'body', false),
    durationField('http', spec, 'timeout', atCreate),
    saveAsField('http', spec),
    checkRetry('http', spec),
  );
  if (problem) return problem;
  const url = spec.url as string;
  if (!(atCreate && isTemplated(url))) {
    const bad = urlProblem(url);
    if (bad) return bad;
  }
  if (spec.headers !== undefined && spec.headers !== null) {
    if (!isObject(spec.headers)) return "http: 'headers' must be an object of strings";
    for (const [name, value] of Object.entries(spec.headers)) {
      if (!HEADER_NAME.test(name)) return `http: invalid header name '${name}'`;
      if (typeof value !== 'string') return `http: header '${name}' must be a string`;
      if (/[\r\n\0]/.test(value)) return `http: header '${name}' must not contain line breaks`;
    }
  }
  if (typeof spec.timeout === 'string' && !(atCreate && isTemplated(spec.timeout)) && parseGoDuration(spec.timeout)! > MAX_TIMEOUT_MS) {
    return `http: timeout must be at most ${formatGoDuration(MAX_TIMEOUT_MS)}`;
  }
  return undefined;
}

/** `example.com` matches that host; `*.example.com` its subdomains. */
export function hostAllowed(host: string, allowed: string[] | undefined): boolean {
  if (allowed === undefined) return true;
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  return allowed.some((entry) => {
    const rule = entry.trim().toLowerCase();
    if (rule === '*') return true;
    if (rule.startsWith('*.')) return name.endsWith(rule.slice(1));
    return name === rule;
  });
}

/** Top-level scalar fields of a JSON object body (strings, numbers, booleans, null). */
function scalarFields(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  if (!isObject(parsed)) return {};
  return Object.fromEntries(
    Object.entries(parsed).filter(([, value]) => value === null || ['string', 'number', 'boolean'].includes(typeof value)),
  );
}

/** `http`'s definition (pure). */
export const httpStage: StageDefinition<HttpInput> = {
    kind: 'http',
    checkStructure: (spec) => problemOf(spec, true),
    resolve(spec) {
      const problem = problemOf(spec, false);
      if (problem) return { ok: false, error: problem };
      const retry = resolveRetry('http', spec);
      if (!retry.ok) return retry;
      const timeout = optionalString(spec, 'timeout');
      const body = optionalString(spec, 'body');
      const saveAs = optionalString(spec, 'save_as');
      return {
        ok: true,
        input: {
          method: (optionalString(spec, 'method') ?? 'GET').toUpperCase(),
          url: spec.url as string,
          headers: { ...((spec.headers as Record<string, string> | undefined) ?? {}) },
          ...(body !== undefined ? { body } : {}),
          timeout: formatGoDuration(timeout !== undefined ? parseGoDuration(timeout)! : DEFAULT_TIMEOUT_MS),
          ...(saveAs !== undefined ? { save_as: saveAs } : {}),
          retry: retrySpec(retry.policy),
        },
      };
    },
    start: (input) => ({ type: 'act', retry: policyOf(input.retry) }),
    acting: {
      activity: (input) => ({ name: 'HttpRequest', request: { method: input.method, url: input.url, ...(input.body !== undefined ? { body: input.body } : {}) } }),
      retryPolicy: (input) => policyOf(input.retry),
      callTimeoutMs: (input) => parseGoDuration(input.timeout)!,
    },
};

/** `http`'s actor: the call, through `deps.fetch`, within the allowed hosts. */
export function createHttpActor(deps: StageDependencies): StageActor<HttpInput> {
  return {
    kind: 'http',
    async act(input, context) {
      const url = new URL(input.url);
      if (!hostAllowed(url.hostname, deps.httpAllowedHosts)) {
        return { type: 'fatal', error: `http: host '${url.hostname}' is not in the allowed hosts (ORCHESTRATOR_HTTP_ALLOWED_HOSTS)` };
      }
      const timeoutMs = parseGoDuration(input.timeout)!;
      const headers = new Headers(input.headers);
      if (!headers.has('idempotency-key')) headers.set('Idempotency-Key', context.idempotencyKey);
      let response: Response;
      let text: string;
      try {
        response = await deps.fetch(url, {
          method: input.method,
          headers,
          body: input.method === 'GET' || input.method === 'HEAD' ? undefined : input.body,
          redirect: 'manual',
          signal: AbortSignal.any([context.signal, AbortSignal.timeout(timeoutMs)]),
        });
        text = await readBody(response);
      } catch (error) {
        return { type: 'retryable', error: transportError(error, timeoutMs) };
      }
      const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      if (response.status >= 200 && response.status < 300) {
        return { type: 'succeeded', output: { status: response.status, body: scalarFields(text) } };
      }
      if (isRetryableStatus(response.status)) return { type: 'retryable', error: status };
      if (response.status >= 300 && response.status < 400) return { type: 'fatal', error: `${status} (redirects are not followed)` };
      return { type: 'fatal', error: status };
    },
  };
}
