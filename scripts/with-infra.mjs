// Runs a command with Postgres and NATS available, for `npm test` and `npm run seed`:
//   node scripts/with-infra.mjs <start|test> [--postgres-only] -- <command> [args…]
// `test` reads TEST_DATABASE_URL / TEST_NATS_URL, `start` DATABASE_URL / NATS_URL (the database
// `npm start` uses). When the variable is unset and nothing answers on the default, an embedded
// Postgres / nats-server is started for the command's duration (data under .data/, as `npm start`)
// and stopped afterwards. Exits with the command's code.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Supervisor } from './dev/supervisor.mjs';
import { resolveInfrastructure } from './dev/infra.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const options = dash === -1 ? argv : argv.slice(0, dash);
const command = dash === -1 ? [] : argv.slice(dash + 1);
const mode = options[0];
if (!['start', 'test'].includes(mode) || command.length === 0) {
  process.stderr.write('usage: node scripts/with-infra.mjs <start|test> [--postgres-only] -- <command> [args…]\n');
  process.exit(2);
}

const supervisor = new Supervisor({ log: (line) => process.stderr.write(`${line}\n`) });
let infra;
try {
  infra = await resolveInfrastructure({ mode, root, supervisor, postgresOnly: options.includes('--postgres-only') });
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  await supervisor.stop();
  process.exit(1);
}
process.stderr.write(`${infra.summary.map((line) => `  ${line}`).join('\n')}\n`);

// The command shares our terminal (and gets Ctrl-C itself); we stop the embedded servers after it.
const ignore = () => undefined;
process.on('SIGINT', ignore);
process.on('SIGTERM', ignore);
const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, ...infra.env }, cwd: root });
const code = await new Promise((resolve) => {
  child.once('error', (error) => {
    process.stderr.write(`${command[0]}: ${error.message}\n`);
    resolve(127);
  });
  child.once('exit', (c, signal) => resolve(c ?? (signal ? 128 + 2 : 1)));
});
await supervisor.stop();
process.exit(code);
