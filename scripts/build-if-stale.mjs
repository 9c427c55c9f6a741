// Runs `npm run build` only when something it compiles changed since the last successful build:
// a source or config file (or a directory: a file added or removed) newer than dist/.build-stamp.
// `npm start`, `npm run seed` and the e2e tests use it, so a second start does not rebuild.
//   node scripts/build-if-stale.mjs [--force] [--quiet]   (--quiet: say nothing when up to date; bin/wfp uses it)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const INPUT_DIRS = ['apps', 'libs', 'scripts'];
const INPUT_FILES = ['package.json', 'package-lock.json', 'tsconfig.base.json', 'tsconfig.build.json', 'tsconfig.json'];
const SKIP = new Set(['node_modules', 'dist', '.nx', 'coverage', 'fixtures-out']);
const IGNORED_FILE = /\.(spec|test)\.tsx?$|\.md$/;

/** The newest modification time among the build's inputs (ms), and the file that has it. */
export function newestInput() {
  let newest = { mtimeMs: 0, file: '' };
  const consider = (file, stat) => {
    if (stat.mtimeMs > newest.mtimeMs) newest = { mtimeMs: stat.mtimeMs, file };
  };
  // Under scripts/ only the TypeScript is built (the .mjs/.sh helpers run as they are).
  const walk = (dir, onlyTs) => {
    if (!onlyTs) consider(dir, fs.statSync(dir));
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, onlyTs);
      else if (entry.isFile() && !IGNORED_FILE.test(entry.name) && (!onlyTs || entry.name.endsWith('.ts'))) {
        consider(full, fs.statSync(full));
      }
    }
  };
  for (const dir of INPUT_DIRS) if (fs.existsSync(path.join(root, dir))) walk(path.join(root, dir), dir === 'scripts');
  for (const file of INPUT_FILES) if (fs.existsSync(path.join(root, file))) consider(path.join(root, file), fs.statSync(path.join(root, file)));
  return newest;
}

const force = process.argv.includes('--force');
const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
const newest = newestInput();
if (!force && built > 0 && newest.mtimeMs <= built) {
  if (!process.argv.includes('--quiet')) console.error('[build] up to date (nothing changed since the last build)');
  process.exit(0);
}
console.error(built ? `[build] ${path.relative(root, newest.file)} changed: building…` : '[build] building…');
const started = Date.now();
const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
fs.mkdirSync(path.dirname(stamp), { recursive: true });
// Stamp with the time the build started: a file saved during the build triggers the next one.
fs.writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
fs.utimesSync(stamp, started / 1000, started / 1000);
console.error(`[build] done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
