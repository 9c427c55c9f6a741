/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload (node --require) */
/*
 * Preload (NODE_OPTIONS=--require …) that CPU-profiles the whole process like `node --cpu-prof`
 * (which NODE_OPTIONS does not allow) and writes the profile to $CPU_PROFILE_FILE when the process
 * exits. Summarise it with `node scripts/bench/profile-top.cjs <file>`.
 */
const fs = require('node:fs');
const inspector = require('node:inspector');
const file = process.env.CPU_PROFILE_FILE;
if (file) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  // The in-process session answers synchronously: the profile can be written in the handler. On
  // SIGTERM (Nest's shutdown hooks end the process by re-raising the signal: no 'exit' event) the
  // profile is written at once; `once`, so the re-raised signal is not caught again.
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    session.post('Profiler.stop', (error, result) => {
      if (!error) fs.writeFileSync(file, JSON.stringify(result.profile));
    });
  };
  process.once('SIGTERM', write);
  process.on('exit', write);
}
