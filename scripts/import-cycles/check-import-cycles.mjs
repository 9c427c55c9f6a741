// Fails when any TypeScript file reaches itself through its imports (an import circle), listing
// every circle found. It is the `lint` target of the Nx project `import-cycles` (`project.json`
// beside it), so `npm run lint` and `npm test` (both `nx run-many -t lint …`) run it.
//
//   node scripts/import-cycles/check-import-cycles.mjs                # apps, libs, scripts and e2e
//   node scripts/import-cycles/check-import-cycles.mjs apps/gateway   # only these folders (a quick look)
//
// Type-only imports count: a circle of types today is a circle of values after the next edit.
// Path aliases (`@wfp/*`) resolve through tsconfig.base.json, so circles across projects count too.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

const root = fileURLToPath(new URL('../..', import.meta.url));
const DEFAULT_PATHS = ['apps', 'libs', 'scripts', 'e2e'];
// Installed, built, generated and cached files are not ours to check.
const EXCLUDE = [/(^|[\\/])(node_modules|dist|coverage|\.nx|\.test-results|\.data|\.bench)([\\/]|$)/, /\.d\.ts$/];

process.chdir(root);
const paths = process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_PATHS;
const missing = paths.filter((path) => !existsSync(path));
if (missing.length > 0) {
  console.error(`import cycles: no such folder: ${missing.join(', ')}`);
  process.exit(1);
}

const result = await madge(paths, {
  baseDir: root,
  fileExtensions: ['ts', 'tsx'],
  tsConfig: 'tsconfig.base.json',
  excludeRegExp: EXCLUDE,
});
const files = Object.keys(result.obj()).length;
// A check that read nothing would pass whatever the code: refuse that instead.
if (files === 0) {
  console.error(`import cycles: no TypeScript file found under ${paths.join(', ')}`);
  process.exit(1);
}

const cycles = result.circular();
if (cycles.length === 0) {
  console.log(`import cycles: none in ${files} files (${paths.join(', ')})`);
  process.exit(0);
}

console.error(`import cycles: ${cycles.length} circle${cycles.length === 1 ? '' : 's'} in ${paths.join(', ')} (each file imports the next, the last imports the first):`);
cycles.forEach((cycle, i) => console.error(`  ${i + 1}) ${[...cycle, cycle[0]].join(' > ')}`));
console.error(
  'Cut each circle: move what both sides need into a file of its own that imports neither, or make the lower file generic over what it takes from the upper one.',
);
process.exit(1);
