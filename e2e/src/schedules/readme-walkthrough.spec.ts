import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PlatformUnderTest } from '@wfp/testing';

const run = promisify(execFile);

/**
 * The README's schedules walkthrough, run as written (its bash blocks, with the walkthrough's
 * `json` helper) against the platform (auth off, as in the walkthrough): it must keep working
 * verbatim.
 */
describe('README schedules walkthrough', () => {
  let platform: PlatformUnderTest;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({ label: 'sched_readme', services: ['orchestrator', 'triggers', 'gateway'], env: { ORCHESTRATOR_POLL_INTERVAL_MS: '50' } });
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('runs and prints what the comments say', async () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const blocks = (text: string) => [...text.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
    const helper = blocks(readme).find((block) => block.includes('json() {'));
    const start = readme.indexOf('## Schedules: cron and interval');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    expect(helper).toBeDefined();
    const script = ['set -euo pipefail', helper!, `GW=${platform.url}`, ...blocks(section)].join('\n');
    const { stdout } = await run('bash', ['-c', script], { timeout: 60_000 });
    const lines = stdout.split('\n');
    const nextTimes = JSON.parse(stdout.slice(stdout.indexOf('['), stdout.indexOf(']') + 1)) as string[];
    expect(nextTimes).toHaveLength(3);
    expect(stdout).toMatch(/"instanceID": "[0-9a-f-]{36}"/);
    expect(stdout).toMatch(/"scheduledTime": /);
    expect(lines).toEqual(expect.arrayContaining(['holiday', 'trigger_now', 'false', '204', 'published']));
    expect(stdout).toMatch(/"ticks": 12,\s+"added": 12/);
  }, 90_000);
});
