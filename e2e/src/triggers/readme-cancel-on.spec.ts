import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PlatformUnderTest } from '@wfp/testing';

const run = promisify(execFile);

/**
 * The README's cancel-on walkthrough step (an order workflow canceled by `order.cancelled`), run
 * as written — its bash block with the walkthrough's `json` helper — against the platform (auth
 * off, as in the walkthrough): it must keep printing what its comments say.
 */
describe('README walkthrough: cancel on an event', () => {
  let platform: PlatformUnderTest;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({ label: 'cancel_readme', services: ['orchestrator', 'triggers', 'gateway'], env: { ORCHESTRATOR_POLL_INTERVAL_MS: '50' } });
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('cancels o-1 on its order.cancelled, o-2 keeps waiting', async () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const blocks = (text: string) => [...text.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
    const helper = blocks(readme).find((block) => block.includes('json() {'));
    const start = readme.indexOf('**9. Cancel on an event.**');
    const section = readme.slice(start, readme.indexOf('Authentication is off in this walkthrough', start));
    expect(start).toBeGreaterThan(0);
    expect(blocks(section)).toHaveLength(1);
    const script = ['set -euo pipefail', helper!, `GW=${platform.url}`, ...blocks(section)].join('\n');
    const { stdout } = await run('bash', ['-c', script], { timeout: 60_000 });
    expect(stdout.trim().split('\n')).toEqual(['order.placed', 'false', 'false', '1', '1']);
  }, 90_000);
});
