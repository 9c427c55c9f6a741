// Adds up the Jest JSON results of every project and prints one closing line:
// "tests: N passed, N failed" (plus skipped). Exits 1 when a project wrote no results or failed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '.test-results';
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
let passed = 0;
let failed = 0;
let skipped = 0;
let failedSuites = 0;
for (const file of files) {
  const result = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  skipped += result.numPendingTests + (result.numTodoTests ?? 0);
  failedSuites += result.numRuntimeErrorTestSuites ?? 0;
  if (result.numFailedTests > 0 || result.numRuntimeErrorTestSuites > 0) console.error(`failures in ${file.replace(/\.json$/, '')}`);
}
if (files.length === 0) console.error('no test results were written');
console.log(`\ntests: ${passed} passed, ${failed + failedSuites} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(files.length === 0 || failed > 0 || failedSuites > 0 ? 1 : 0);
