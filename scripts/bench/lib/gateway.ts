/** A gateway process beside a bench platform (output to /dev/null), and an OAuth2 token for it. */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { eventually, freePort } from '@wfp/testing';
import { BenchPlatform, ROOT } from './platform';

/** The client the bench authenticates as; give `GATEWAY_AUTH_ENV` to the platform that runs the gateway. */
export const BENCH_CLIENT = 'bench:bench-secret';
export const GATEWAY_AUTH_ENV = { FORMANCE_AUTH_CLIENTS: BENCH_CLIENT, FORMANCE_AUTH_SIGNING_SECRET: 'bench-signing-secret-of-32-characters!' };

/**
 * Spawns the built gateway on the platform's namespace with its output to /dev/null (not piped
 * into this process, which is also the load generator); resolves its base URL once it serves.
 */
export async function spawnGateway(platform: BenchPlatform, level: string, children: ChildProcess[]): Promise<string> {
  const port = await freePort();
  children.push(
    spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'gateway', 'src', 'main.js')], {
      env: { ...platform.platform.env('gateway'), PORT: String(port), LOG_LEVEL: level },
      stdio: 'ignore',
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200, { what: `the gateway (${level})`, timeoutMs: 30_000 });
  return base;
}

export async function gatewayToken(baseUrl: string, scope: string): Promise<string> {
  const [clientId, secret] = BENCH_CLIENT.split(':');
  const res = await fetch(`${baseUrl}/api/auth/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope }),
  });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
