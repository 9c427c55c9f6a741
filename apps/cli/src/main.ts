/** Entry point of `wfp` (bin/wfp.js runs the built copy: dist/apps/cli/src/main.js). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './program';

function packageVersion(): string {
  for (const up of ['../../..', '../../../..']) {
    try {
      return (JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // not at this depth (sources vs dist/)
    }
  }
  return '0.0.0';
}

void runCli(process.argv, packageVersion()).then((code) => {
  process.exitCode = code;
});
