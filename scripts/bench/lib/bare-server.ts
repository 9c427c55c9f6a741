/**
 * The reference for the gateway read path: a bare node `http` server with a `pg` pool serving
 * `GET /api/orchestration/instances/<id>` from one indexed row holding the same JSON body
 * (one statement, no framework, no auth, no logging).
 *
 *   node dist/scripts/bench/lib/bare-server.js <database url> <port>
 */
import { createServer } from 'node:http';
import { Pool } from 'pg';

const [url, port] = [process.argv[2], Number(process.argv[3])];
const pool = new Pool({ connectionString: url, max: 10 });
const PREFIX = '/api/orchestration/instances/';

createServer((req, res) => {
  if (req.method !== 'GET' || !req.url?.startsWith(PREFIX)) {
    res.writeHead(404).end();
    return;
  }
  const id = req.url.slice(PREFIX.length);
  pool.query<{ body: string }>('SELECT body FROM bench_instances WHERE id = $1', [id]).then(
    ({ rows }) => {
      if (rows.length === 0) res.writeHead(404).end();
      else res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(rows[0].body);
    },
    () => res.writeHead(500).end(),
  );
}).listen(port, '127.0.0.1', () => process.stdout.write('bare server listening\n'));
