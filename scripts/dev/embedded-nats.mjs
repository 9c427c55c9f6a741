// The NATS of `npm start` / `npm test` when no NATS_URL is given and nothing answers on the
// default: `nats-server` from PATH (also /usr/sbin, /usr/local/sbin, where Debian puts it) with
// JetStream, its store in `<data dir>/nats`, its log in `<data dir>/nats.log`, on 127.0.0.1 only.
import fs from 'node:fs';
import path from 'node:path';

export class EmbeddedNatsError extends Error {}

export const HOW_TO_GET_NATS = [
  'Debian/Ubuntu: sudo apt-get install nats-server',
  'macOS:         brew install nats-server',
  'Docker:        docker compose up -d nats   (or: docker run -d -p 4222:4222 nats:2.10-alpine -js)',
  'Binaries:      https://github.com/nats-io/nats-server/releases',
];

export function findExecutable(name, searchPath = `${process.env.PATH ?? ''}${path.delimiter}/usr/sbin:/usr/local/sbin:/opt/homebrew/bin`) {
  const dirs = searchPath.split(path.delimiter);
  for (const dir of dirs.filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function prepareEmbeddedNats({ dataDir, port, searchPath }) {
  const binary = findExecutable('nats-server', searchPath);
  if (!binary) {
    throw new EmbeddedNatsError(
      [
        `No NATS answers on 127.0.0.1:${port} and nats-server is not on PATH. Install it, then run the command again:`,
        ...HOW_TO_GET_NATS.map((line) => `  ${line}`),
        'Or point NATS_URL at a NATS server with JetStream.',
      ].join('\n'),
    );
  }
  const storeDir = path.join(dataDir, 'nats');
  fs.mkdirSync(storeDir, { recursive: true });
  const logFile = path.join(dataDir, 'nats.log');
  return {
    name: 'nats-server (embedded)',
    command: binary,
    args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir],
    output: fs.openSync(logFile, 'a'),
    stopSignal: 'SIGINT',
    stopTimeoutMs: 15_000,
    order: 10,
    logFile,
    storeDir,
    binary,
  };
}
