import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/** The platform's version: `version` of the root package.json (found upwards from this file). */
export function packageVersion(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'workflow-platform' && pkg.version) {
        cached = pkg.version;
        return cached;
      }
    } catch {
      // not here: keep climbing
    }
    dir = dirname(dir);
  }
  throw new Error('package.json of workflow-platform not found above ' + __dirname);
}
