import { SDK } from '@formance/formance-sdk';
import { HTTPClient } from '@formance/formance-sdk/lib/http';
import { OpenApiResponseValidator, PlatformUnderTest } from '@wfp/testing';
import { CLIENT_ID, CLIENT_SECRET } from './helpers';

const PREFIX = '/api/orchestration';

/**
 * Checks every JSON body the official SDK receives from /api/orchestration/v2 against a v2
 * OpenAPI document (the project's own `formance-v2`): a fetcher that reads a clone of each
 * response, finds the operation by method and path, and records problems and the operations it
 * checked (the validator keeps the bodies for the vendor-conformance test).
 */
export class SpecCheckedSdk {
  readonly problems: string[] = [];
  /** `METHOD /v2/template status` of every body checked. */
  readonly checked = new Set<string>();
  readonly sdk: SDK;
  private readonly templates: Array<{ template: string; pattern: RegExp }>;

  constructor(
    platform: PlatformUnderTest,
    readonly validator: OpenApiResponseValidator,
    templates: string[],
  ) {
    this.templates = templates.map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
    }));
    const httpClient = new HTTPClient({
      fetcher: async (input, init) => {
        const res = await fetch(input, init);
        const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
        const url = input instanceof Request ? input.url : String(input);
        await this.check(method, new URL(url).pathname, res.clone());
        return res;
      },
    });
    this.sdk = new SDK({ serverURL: platform.url, httpClient, security: { clientID: CLIENT_ID, clientSecret: CLIENT_SECRET } });
  }

  /** Checks a body got outside the SDK (raw fetch). */
  async check(method: string, pathname: string, res: Response): Promise<void> {
    if (!pathname.startsWith(`${PREFIX}/v2/`)) return;
    const path = pathname.slice(PREFIX.length);
    const text = await res.text();
    if (!text) return;
    const match = this.templates.find((t) => t.pattern.test(path));
    if (!match) {
      this.problems.push(`${method} ${path}: no v2 operation`);
      return;
    }
    this.checked.add(`${method.toUpperCase()} ${match.template} ${res.status}`);
    try {
      this.validator.assertValid(method, match.template, res.status, JSON.parse(text));
    } catch (error) {
      this.problems.push((error as Error).message);
    }
  }
}

/** Paths of the v2 API (most specific first, so `/v2/triggers/{id}/test` wins over `/v2/triggers/{id}`). */
export const V2_TEMPLATES = [
  '/v2/_info',
  '/v2/triggers',
  '/v2/triggers/{triggerID}/test',
  '/v2/triggers/{triggerID}/occurrences',
  '/v2/triggers/{triggerID}',
  '/v2/workflows',
  '/v2/workflows/{workflowID}/instances',
  '/v2/workflows/{flowId}/pause',
  '/v2/workflows/{flowId}/resume',
  '/v2/workflows/{flowId}',
  '/v2/instances',
  '/v2/instances/{instanceID}/events',
  '/v2/instances/{instanceID}/abort',
  '/v2/instances/{instanceID}/redrive',
  '/v2/instances/{instanceID}/metadata',
  '/v2/instances/{instanceID}/history',
  '/v2/instances/{instanceID}/stages/{number}/history',
  '/v2/instances/{instanceID}',
];
