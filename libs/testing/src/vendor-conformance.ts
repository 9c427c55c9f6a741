import { existsSync } from 'node:fs';
import type { expect as JestExpect, it as JestIt } from '@jest/globals';
import { join } from 'node:path';
import { OpenApiResponseValidator, SeenResponse, SPECS_DIR } from './openapi-validator';

/**
 * Conformance with the vendors' OpenAPI files (`SPECS_DIR`, default `../shared/specs`): runs when
 * the folder is there (as in CI), else is reported as skipped — a console line and a skipped test —
 * so the repository's own tests never need it.
 */
export function vendorSpecsAvailable(fileName?: string): boolean {
  return existsSync(fileName ? join(SPECS_DIR, fileName) : SPECS_DIR);
}

/**
 * `@jest/globals` throws when loaded outside Jest: it is loaded on first use, so that scripts
 * (benchmarks, chaos) can import this library for `PlatformUnderTest`.
 */
function jest(): { expect: typeof JestExpect; it: typeof JestIt } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@jest/globals') as { expect: typeof JestExpect; it: typeof JestIt };
}

const announced = new Set<string>();

/** `it` when the vendor file exists, else `it.skip` after saying so once on the console. */
export function itWithVendorSpec(fileName: string): typeof JestIt.skip {
  const { it } = jest();
  if (vendorSpecsAvailable(fileName)) return it;
  if (!announced.has(fileName)) {
    announced.add(fileName);
    console.log(`vendor conformance skipped: ${join(SPECS_DIR, fileName)} not found (set SPECS_DIR to the vendors' specs folder to run it)`);
  }
  return it.skip;
}

/**
 * A test (declare it last in its suite) that checks every response the suite validated against
 * the project's document also against the vendor's file, for the operations and statuses the
 * vendor declares. `ignore` drops known, documented deviations (per problem, with the body).
 */
export function itConformsToVendorSpec(
  fileName: string,
  seen: () => SeenResponse[],
  options: { ignore?: (problem: string, response: SeenResponse) => boolean } = {},
): void {
  itWithVendorSpec(fileName)(`responses also conform to the vendor spec ${fileName}`, async () => {
    const { expect } = jest();
    const vendor = await OpenApiResponseValidator.loadVendor(fileName);
    const responses = seen();
    expect(responses.length).toBeGreaterThan(0);
    const problems: string[] = [];
    let checked = 0;
    for (const response of responses) {
      if (!vendor.declares(response.method, response.pathTemplate, response.status)) continue;
      checked++;
      for (const problem of vendor.check(response.method, response.pathTemplate, response.status, response.body)) {
        if (options.ignore?.(problem, response)) continue;
        problems.push(`${response.method.toUpperCase()} ${response.pathTemplate} ${response.status}: ${problem}`);
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
}
