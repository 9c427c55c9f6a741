/** A closed-loop HTTP load generator: `connections` keep-alive loops GETting one URL for `seconds`. */
import { Agent, request } from 'node:http';

export async function requestsPerSecond(url: string, seconds: number, connections = 32, headers: Record<string, string> = {}): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(url);
  const end = Date.now() + seconds * 1000;
  let ok = 0;
  let failed = 0;
  const statuses = new Map<string, number>();
  const once = () =>
    new Promise<void>((resolve) => {
      const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'GET', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) ok++;
          else {
            failed++;
            statuses.set(String(res.statusCode), (statuses.get(String(res.statusCode)) ?? 0) + 1);
          }
          resolve();
        });
      });
      req.on('error', (error) => {
        failed++;
        statuses.set(error.message, (statuses.get(error.message) ?? 0) + 1);
        resolve();
      });
      req.end();
    });
  const begin = Date.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < end) await once();
    }),
  );
  const elapsed = (Date.now() - begin) / 1000;
  agent.destroy();
  if (failed > ok / 100) throw new Error(`${failed} failed requests against ${url}: ${JSON.stringify(Object.fromEntries(statuses))}`);
  return ok / elapsed;
}

/**
 * `count` POSTs of `body` (JSON) to one URL, `inFlight` at a time over keep-alive connections;
 * resolves when every one was answered with `status` (any other answer throws).
 */
export async function postMany(url: string, count: number, inFlight: number, body: unknown, headers: Record<string, string> = {}, status = 201): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  const target = new URL(url);
  const payload = Buffer.from(JSON.stringify(body));
  let next = 0;
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: 'POST', agent, headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => (res.statusCode === status ? resolve() : reject(new Error(`POST ${url} answered ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`))));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  try {
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < count) {
          next++;
          await once();
        }
      }),
    );
  } finally {
    agent.destroy();
  }
}
