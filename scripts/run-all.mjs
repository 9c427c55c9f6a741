// `npm start`, after the build: checks the gateway's port is free, finds or starts Postgres and
// NATS (scripts/dev/infra.mjs), runs the four services under the supervisor (a service that exits
// is restarted with backoff while the others keep running; the gateway answers 503 for it
// meanwhile), prints "Platform ready" once the gateway's /readyz says so, and on Ctrl-C stops the
// services, then the embedded Postgres/NATS.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Supervisor } from './dev/supervisor.mjs';
import { resolveInfrastructure } from './dev/infra.mjs';
import { portTakenMessage, takenPorts } from './dev/ports.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const services = ['orchestrator', 'triggers', 'interventions', 'gateway'];
const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || '0.0.0.0';
const gatewayUrl = `http://127.0.0.1:${port}`;
const say = (line) => process.stdout.write(`${line}\n`);
const warn = (line) => process.stderr.write(`${line}\n`);

// 1. Our ports must be free: never take another process's /readyz for ours.
const wanted = [{ port, host, what: 'gateway', variable: 'PORT' }];
const metricsBuilt = fs.existsSync(path.join(root, 'dist/libs/platform/src/observability/metrics-server.js'));
if (metricsBuilt && !process.env.METRICS_PORT) {
  // Each NATS service's own /metrics port (defaults of libs/platform observability).
  [9464, 9465, 9466].forEach((p, i) => wanted.push({ port: p, host: '0.0.0.0', what: `${services[i]} metrics`, variable: 'METRICS_PORT' }));
}
const taken = await takenPorts(wanted);
if (taken.length) {
  warn(portTakenMessage(taken));
  process.exit(1);
}

let exiting = false;
const supervisor = new Supervisor({
  log: warn,
  onFatal: (unit) => {
    warn(`[start] ${unit} cannot run; stopping the platform.`);
    void shutdown(1);
  },
});

async function shutdown(code) {
  if (exiting) return;
  exiting = true;
  await supervisor.stop();
  process.exit(code);
}
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupts++;
    if (interrupts === 1) {
      warn('\n[start] stopping the services, then the embedded Postgres/NATS (Ctrl-C again to kill them)…');
      void shutdown(0);
    } else {
      for (const state of supervisor.units.values()) state.child?.kill('SIGKILL');
      process.exit(130);
    }
  });
}

// 2. Postgres and NATS.
let infra;
try {
  infra = await resolveInfrastructure({ mode: 'start', root, supervisor, log: warn });
} catch (error) {
  warn(error.message);
  await supervisor.stop();
  process.exit(1);
}
say(['', ...infra.summary.map((line) => `  ${line}`), ''].join('\n'));

// 3. The services.
const env = { ...process.env, ...infra.env };
if (!env.LOG_FORMAT && process.stdout.isTTY) env.LOG_FORMAT = 'pretty';
for (const service of services) {
  supervisor.add({ name: service, command: process.execPath, args: [`dist/apps/${service}/src/main.js`], cwd: root, env, order: 0 });
}

// 4. Readiness: once the gateway's /readyz answers 200, print the URLs.
async function readiness() {
  try {
    const res = await fetch(`${gatewayUrl}/readyz`, { signal: AbortSignal.timeout(5000) });
    return { ready: res.ok };
  } catch {
    return { ready: false };
  }
}
const deadline = Date.now() + 180_000;
let ready = false;
let warnedSlow = false;
while (!exiting && !ready) {
  ({ ready } = await readiness());
  if (ready) break;
  if (Date.now() > deadline && !warnedSlow) {
    warnedSlow = true;
    warn(`[start] the gateway at ${gatewayUrl} is not ready after 180 s; see the logs above (still trying).`);
  }
  await sleep(500);
}
if (!exiting) {
  const docs = await fetch(`${gatewayUrl}/docs`, { signal: AbortSignal.timeout(3000) }).then((r) => r.ok, () => false);
  say(
    [
      '',
      `Platform ready. Gateway: ${gatewayUrl}`,
      `  Console:  ${gatewayUrl}/console`,
      ...(docs ? [`  API docs: ${gatewayUrl}/docs`] : []),
      `  Try:      curl ${gatewayUrl}/api/orchestration/_info`,
      ...infra.summary.map((line) => `  ${line}`),
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}
// After a restart: say when the platform answers ready again.
let watching = false;
supervisor.onRestart = async () => {
  if (watching || exiting) return;
  watching = true;
  while (!exiting && !(await readiness()).ready) await sleep(1000);
  if (!exiting) warn('[start] platform ready again');
  watching = false;
};
