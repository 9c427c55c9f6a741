import { SDK } from '@formance/formance-sdk';
import { OpenApiResponseValidator, PlatformUnderTest } from '@wfp/testing';

export const CLIENT_ID = 'e2e-client';
export const CLIENT_SECRET = 'e2e-secret-value';

export function sdkFor(platform: PlatformUnderTest, withAuth: boolean): SDK {
  return new SDK({
    serverURL: platform.url,
    ...(withAuth ? { security: { clientID: CLIENT_ID, clientSecret: CLIENT_SECRET } } : {}),
  });
}

/** An access token from the gateway's token endpoint. */
export async function token(platform: PlatformUnderTest, scope = 'orchestration:read orchestration:write'): Promise<string> {
  const res = await fetch(`${platform.url}/api/auth/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope }),
  });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A raw HTTP client (with a token when given) that validates bodies against the v1 spec. */
export function rawClient(platform: PlatformUnderTest, validator: OpenApiResponseValidator, bearer?: string) {
  return async (
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; contentType?: string; template?: string } = {},
  ): Promise<{ status: number; body: unknown; text: string }> => {
    const headers: Record<string, string> = {};
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
    const res = await fetch(`${platform.url}/api/orchestration${path}`, { method, headers, body });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (options.template && parsed !== undefined) validator.assertValid(method, options.template, res.status, parsed);
    return { status: res.status, body: parsed, text };
  };
}
