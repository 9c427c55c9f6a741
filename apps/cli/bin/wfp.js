#!/usr/bin/env node
// `npx wfp …` from the repository (package.json "bin"): builds first if a source changed since
// the last build (scripts/build-if-stale.mjs, its output on stderr so stdout stays the result),
// then runs the built command line, dist/apps/cli/src/main.js.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..', '..');
if (!process.env.WFP_SKIP_BUILD) {
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-if-stale.mjs'), '--quiet'], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  });
  if (build.status !== 0) {
    process.stderr.write('wfp: the build failed (see above); fix it or run `npm run build`\n');
    process.exit(2);
  }
}
require(path.join(root, 'dist', 'apps', 'cli', 'src', 'main.js'));
