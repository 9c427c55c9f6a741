import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderedApiDocs, repositoryRoot } from './rendered-docs';

/**
 * `npm run docs:api`: regenerates docs/openapi/*.json and docs/asyncapi.json from the zod
 * contracts. `--check` only reports the stale ones (exit 1), as the gateway's test does.
 */
function main(): void {
  const check = process.argv.includes('--check');
  const root = repositoryRoot();
  const stale: string[] = [];
  for (const { file, content } of renderedApiDocs()) {
    const path = join(root, file);
    let current: string | undefined;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === content) continue;
    stale.push(file);
    if (!check) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  }
  if (check && stale.length > 0) {
    process.stderr.write(`stale API documents (run npm run docs:api): ${stale.join(', ')}\n`);
    process.exit(1);
  }
  process.stdout.write(stale.length === 0 ? 'API documents are up to date\n' : `wrote ${stale.join(', ')}\n`);
}

main();
