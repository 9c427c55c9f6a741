/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload (node --require) */
/*
 * Preload (NODE_OPTIONS=--require …) for engine-quick: counts every statement a process sends
 * through `pg` (the engine's pool and TypeORM alike) and writes the count to $ENGINE_COUNT_FILE.
 */
const fs = require('node:fs');
const pg = require('pg');
let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(...args) {
  statements++;
  return query.apply(this, args);
};
const file = process.env.ENGINE_COUNT_FILE;
let written = -1;
if (file) {
  setInterval(() => {
    if (written !== statements) fs.writeFileSync(file, String((written = statements)));
  }, 200).unref();
}
