// Runs the four built services as child processes sharing this terminal, waits until the gateway
// reports the platform ready, prints its URL, and stops everything on Ctrl-C or when one exits.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

const services = ['orchestrator', 'triggers', 'interventions', 'gateway'];
const port = Number(process.env.PORT ?? 8080);
const gatewayUrl = `http://127.0.0.1:${port}`;
const children = new Map();
let stopping = false;

function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 12_000).unref();
  Promise.all([...children.values()].map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.once('exit', r))))).then(
    () => process.exit(code),
  );
}

for (const service of services) {
  const child = spawn(process.execPath, [`dist/apps/${service}/src/main.js`], { stdio: 'inherit', env: process.env });
  children.set(service, child);
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${service} exited (${signal ?? `code ${code}`}); stopping the platform`);
    stopAll(code || 1);
  });
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

const deadline = Date.now() + 120_000;
while (!stopping && Date.now() < deadline) {
  try {
    const res = await fetch(`${gatewayUrl}/readyz`);
    if (res.ok) {
      console.log(`\nPlatform ready. Gateway: ${gatewayUrl}  (try: curl ${gatewayUrl}/api/orchestration/_info)\nConsole: ${gatewayUrl}/console\n`);
      break;
    }
  } catch {
    // not listening yet
  }
  await sleep(500);
}
if (!stopping && Date.now() >= deadline) console.error(`The gateway at ${gatewayUrl} is not ready after 120 s; see the logs above.`);
