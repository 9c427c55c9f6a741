/**
 * Where `wfp` sends its requests and with which credentials, from the environment (flags win):
 * WFP_URL (the gateway, default http://127.0.0.1:8080), WFP_CLIENT_ID / WFP_CLIENT_SECRET (an
 * OAuth2 client of the gateway's FORMANCE_AUTH_CLIENTS; unset: no token is sent), WFP_TOKEN (a
 * ready Bearer token instead).
 */
export interface CliConfig {
  url: string;
  clientId?: string;
  clientSecret?: string;
  token?: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export function cliConfig(env: NodeJS.ProcessEnv, flags: { url?: string } = {}): CliConfig {
  const nonEmpty = (value: string | undefined) => (value ? value : undefined);
  return {
    url: (flags.url ?? nonEmpty(env.WFP_URL) ?? DEFAULT_URL).replace(/\/+$/, ''),
    clientId: nonEmpty(env.WFP_CLIENT_ID),
    clientSecret: nonEmpty(env.WFP_CLIENT_SECRET),
    token: nonEmpty(env.WFP_TOKEN),
  };
}
