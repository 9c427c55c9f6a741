/**
 * 1-stage `noop` instances completed/s, side by side with pgbench (single-row INSERT TPS) and
 * DBOS Transact running the same workflow (one no-op step), all on the same Postgres. The
 * platform's instances are started three ways per run: start-many commands over NATS (batches of
 * 100, 4 in flight), single start commands over NATS (64 in flight), and single starts over HTTP
 * through the gateway (`POST /api/orchestration/workflows/{id}/instances`, auth on, 64 in flight;
 * the gateway at LOG_LEVEL=info, output to /dev/null). Each rate ÷ pgbench of the same run.
 */
import { ChildProcess } from 'node:child_process';
import { dbosRate } from '../lib/dbos';
import { GATEWAY_AUTH_ENV, gatewayToken, spawnGateway } from '../lib/gateway';
import { postMany } from '../lib/http-load';
import { PgBench } from '../lib/pgbench';
import { BenchPlatform } from '../lib/platform';
import { BenchOptions, Scenario } from '../lib/scenario';
import { ratios, Row } from '../lib/stats';

export const noopScenario: Scenario = {
  name: 'noop',
  description: '1-stage noop completed/s (start-many, single starts over NATS, single starts over HTTP) ÷ pgbench single-row INSERT TPS, ÷ DBOS Transact',
  async run({ quick, runs, log }: BenchOptions): Promise<Row[]> {
    const instances = quick ? 2000 : 5000;
    // Single starts are slower: fewer of them give the same rate sooner.
    const singles = quick ? 1000 : 3000;
    // DBOS runs one workflow per in-flight slot at a time: fewer instances give the same rate sooner.
    const dbosInstances = quick ? 500 : 2000;
    const pgbench = await PgBench.create();
    const platform = await BenchPlatform.start({ label: 'bench_noop', services: ['orchestrator'], env: GATEWAY_AUTH_ENV });
    const gateways: ChildProcess[] = [];
    const platformRuns: number[] = [];
    const singleRuns: number[] = [];
    const httpRuns: number[] = [];
    const pgbenchRuns: number[] = [];
    const dbosRuns: number[] = [];
    try {
      const gateway = await spawnGateway(platform, 'info', gateways);
      const headers = { Authorization: `Bearer ${await gatewayToken(gateway, 'orchestration:write')}` };
      const warm = await platform.createWorkflow('warm-up', [{ noop: {} }]);
      await platform.detectStartMode(warm);
      await platform.startInstances(warm, 50);
      await platform.startInstances(warm, 200, 'single');
      await postMany(`${gateway}/api/orchestration/workflows/${warm}/instances`, 200, 64, {}, headers);
      log(`  batched starts sent as: ${platform.startMode}`);
      const measure = async (name: string, count: number, start: (workflowId: string) => Promise<void>) => {
        const workflowId = await platform.createWorkflow(name, [{ noop: {} }]);
        const begin = Date.now();
        await start(workflowId);
        const startsDone = Date.now();
        await platform.completed(workflowId, count);
        return platform.completionRate(workflowId, count, begin, startsDone);
      };
      for (let run = 0; run < runs; run++) {
        pgbenchRuns.push(pgbench.tps(quick ? 5 : 10));
        dbosRuns.push(await dbosRate(dbosInstances, 64));
        platformRuns.push(await measure(`noop-${run}`, instances, (id) => platform.startInstances(id, instances)));
        singleRuns.push(await measure(`noop-single-${run}`, singles, (id) => platform.startInstances(id, singles, 'single')));
        httpRuns.push(await measure(`noop-http-${run}`, singles, (id) => postMany(`${gateway}/api/orchestration/workflows/${id}/instances`, singles, 64, {}, headers)));
        log(
          `  run ${run + 1}: ${platform.startMode} ${platformRuns[run].toFixed(1)}/s, single over NATS ${singleRuns[run].toFixed(1)}/s, over HTTP ${httpRuns[run].toFixed(1)}/s, ` +
            `pgbench ${pgbenchRuns[run].toFixed(0)} TPS, DBOS ${dbosRuns[run].toFixed(1)}/s`,
        );
      }
    } finally {
      for (const child of gateways) child.kill('SIGTERM');
      await platform.stop();
      await pgbench.drop();
    }
    const mode = platform.startMode;
    return [
      { scenario: 'noop', measure: `platform 1-stage noop completed/s (${instances} instances, starts via ${mode})`, unit: '/s', runs: platformRuns },
      { scenario: 'noop', measure: `single starts over NATS, completed/s (${singles}, 64 in flight)`, unit: '/s', runs: singleRuns },
      { scenario: 'noop', measure: `single starts over HTTP (POST …/workflows/{id}/instances), completed/s (${singles}, 64 in flight)`, unit: '/s', runs: httpRuns },
      { scenario: 'noop', measure: 'pgbench single-row INSERT (16 clients)', unit: 'TPS', runs: pgbenchRuns },
      { scenario: 'noop', measure: `DBOS 1-step workflow completed/s (${dbosInstances}, 64 in flight)`, unit: '/s', runs: dbosRuns },
      target({ scenario: 'noop', measure: `platform (${mode}) ÷ pgbench`, unit: 'ratio', runs: ratios(platformRuns, pgbenchRuns) }, mode === 'start-many' ? '≥ 1.0' : '≥ 0.25', (v) => v >= (mode === 'start-many' ? 1 : 0.25)),
      target({ scenario: 'noop', measure: 'single starts over NATS ÷ pgbench', unit: 'ratio', runs: ratios(singleRuns, pgbenchRuns) }, '≥ 0.25', (v) => v >= 0.25),
      target({ scenario: 'noop', measure: 'single starts over HTTP ÷ pgbench', unit: 'ratio', runs: ratios(httpRuns, pgbenchRuns) }, '≥ 0.15', (v) => v >= 0.15),
      target({ scenario: 'noop', measure: `platform (${mode}) ÷ DBOS`, unit: 'ratio', runs: ratios(platformRuns, dbosRuns) }, '≥ 1.5', (v) => v >= 1.5),
    ];
  },
};

/** A row with a target, met when every run meets it. */
export function target(row: Row, text: string, ok: (value: number) => boolean): Row {
  return { ...row, target: text, met: row.runs.length > 0 && row.runs.every(ok) };
}
