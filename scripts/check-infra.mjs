// Checks that Postgres and NATS (with JetStream) answer; prints what to start, and how, if not.
import net from 'node:net';

const databaseUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/workflow_platform');
const natsUrl = new URL((process.env.NATS_URL ?? 'nats://127.0.0.1:4222').split(',')[0].trim());

function reachable(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

const checks = [
  {
    name: 'PostgreSQL', host: databaseUrl.hostname, port: Number(databaseUrl.port || 5432),
    how: [
      'Debian: apt-get install postgresql && pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
      'Docker: docker compose up -d postgres',
    ],
  },
  {
    name: 'NATS (with JetStream)', host: natsUrl.hostname, port: Number(natsUrl.port || 4222),
    how: [
      'Debian: apt-get install nats-server && start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log',
      'Docker: docker compose up -d nats',
    ],
  },
];

let missing = 0;
for (const check of checks) {
  if (await reachable(check.host, check.port)) continue;
  missing++;
  console.error(`${check.name} is not reachable at ${check.host}:${check.port}. Start it:`);
  for (const line of check.how) console.error(`  ${line}`);
}
process.exit(missing ? 1 : 0);
