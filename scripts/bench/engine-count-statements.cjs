/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload (node --require) */
/*
 * Preload (NODE_OPTIONS=--require …) for engine-quick: counts every statement a process sends
 * through `pg` (the engine's pool and TypeORM alike) and writes the count to $ENGINE_COUNT_FILE.
 */
const fs = require('node:fs');
const pg = require('pg');
let statements = 0;
// ENGINE_COUNT_BY_TEXT=1: also a count per statement (its first 80 characters) in $ENGINE_COUNT_FILE.texts.json.
const byText = process.env.ENGINE_COUNT_BY_TEXT === '1' ? new Map() : undefined;
// ENGINE_TIME_BY_TEXT=1 (with ENGINE_COUNT_BY_TEXT): also the milliseconds per statement text, sent → answered
// (queueing on the connection and the server's time included), in $ENGINE_COUNT_FILE.ms.json.
const msByText = byText && process.env.ENGINE_TIME_BY_TEXT === '1' ? new Map() : undefined;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(...args) {
  statements++;
  if (!byText) return query.apply(this, args);
  const first = args[0];
  const text = String((typeof first === 'string' ? first : (first && (first.name || first.text))) || '?').replace(/\s+/g, ' ').slice(0, 80);
  byText.set(text, (byText.get(text) || 0) + 1);
  if (!msByText) return query.apply(this, args);
  const began = process.hrtime.bigint();
  const done = () => msByText.set(text, (msByText.get(text) || 0) + Number(process.hrtime.bigint() - began) / 1e6);
  const last = args[args.length - 1];
  if (typeof last === 'function') {
    args[args.length - 1] = function timedCallback(...results) {
      done();
      return last.apply(this, results);
    };
    return query.apply(this, args);
  }
  const result = query.apply(this, args);
  if (result && typeof result.then === 'function') result.then(done, done);
  return result;
};
const file = process.env.ENGINE_COUNT_FILE;
let written = -1;
if (file) {
  setInterval(() => {
    if (written === statements) return;
    fs.writeFileSync(file, String((written = statements)));
    if (byText) fs.writeFileSync(`${file}.texts.json`, JSON.stringify(Object.fromEntries([...byText].sort((a, b) => b[1] - a[1])), null, 1));
    if (msByText) fs.writeFileSync(`${file}.ms.json`, JSON.stringify(Object.fromEntries([...msByText].map(([k, v]) => [k, Math.round(v)]).sort((a, b) => b[1] - a[1])), null, 1));
  }, 200).unref();
}
