/**
 * The benchmark suite of issue 10: every scenario side by side in one run, printed as one
 * markdown table of measures and ratios (median and min–max of the runs) and written to
 * `.bench/report-<date>.md`.
 *
 *   npm run bench                         # every scenario, 3 runs each
 *   npm run bench -- --quick              # smaller sizes and shorter runs (under 10 minutes)
 *   npm run bench -- --only noop,gateway  # some scenarios: noop, latency, matching, flow-control, cancel-on, gateway, replicas, history
 *   npm run bench -- --runs 5
 *   npm run bench -- --quick --only noop,latency,gateway   # every measure of issue 24
 *
 * A benchmark, not a test: nothing fails on a slow machine; the table says which targets each
 * run met. The platform runs from the built `dist/` (the npm script builds first), each scenario
 * on its own database and NATS namespace; pgbench and DBOS on their own databases of the same
 * Postgres.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib/platform';
import { Scenario } from './lib/scenario';
import { markdownTable, Row } from './lib/stats';
import { cancelOnScenario } from './scenarios/cancel-on';
import { flowControlScenario } from './scenarios/flow-control';
import { gatewayScenario } from './scenarios/gateway';
import { historyScenario } from './scenarios/history';
import { latencyScenario } from './scenarios/latency';
import { matchingScenario } from './scenarios/matching';
import { noopScenario } from './scenarios/noop';
import { replicasScenario } from './scenarios/replicas';

export const SCENARIOS: Scenario[] = [noopScenario, latencyScenario, matchingScenario, flowControlScenario, cancelOnScenario, gatewayScenario, replicasScenario, historyScenario];

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const inline = args.find((a) => a.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
}

function versionOf(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', env: { ...process.env, PATH: `${process.env.PATH}:/usr/lib/postgresql/15/bin` } }).trim().split('\n')[0];
  } catch {
    return 'unknown';
  }
}

function machine(): string {
  return [
    `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})`,
    `${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    versionOf('psql', ['--version']),
    versionOf('nats-server', ['--version']),
    `Node ${process.version}`,
    `load average at start ${versionOf('cat', ['/proc/loadavg']).split(' ').slice(0, 3).join(' ')}`,
  ].join(', ');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const runs = Number(option(args, '--runs') ?? 3);
  const only = option(args, '--only')?.split(',').map((s) => s.trim());
  const unknown = only?.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown?.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const selected = SCENARIOS.filter((s) => !only || only.includes(s.name));
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const started = new Date();
  const header = `Run of ${started.toISOString()} (${quick ? 'quick mode' : 'full mode'}, ${runs} runs); machine: ${machine()}`;
  log(header);
  const rows: Row[] = [];
  const failures: string[] = [];
  for (const scenario of selected) {
    const begin = Date.now();
    log(`\n[${scenario.name}] ${scenario.description}`);
    try {
      rows.push(...(await scenario.run({ quick, runs, log })));
    } catch (error) {
      failures.push(`${scenario.name}: ${(error as Error).message}`);
      log(`  FAILED: ${String((error as Error)?.stack ?? error)}`);
    }
    log(`  (${((Date.now() - begin) / 1000).toFixed(0)} s)`);
  }
  const minutes = ((Date.now() - started.getTime()) / 60_000).toFixed(1);
  const report = [
    `${header}; took ${minutes} min.`,
    '',
    markdownTable(rows),
    ...(failures.length ? ['', 'Scenarios that failed:', ...failures.map((f) => `- ${f}`)] : []),
    '',
  ].join('\n');
  const dir = join(ROOT, '.bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `report-${started.toISOString().replace(/[:.]/g, '-')}.md`);
  writeFileSync(file, report);
  log(`\n${report}\n(written to ${file})`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
