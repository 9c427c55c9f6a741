/**
 * 1-stage `noop` instances completed/s, side by side with pgbench (single-row INSERT TPS) and
 * DBOS Transact running the same workflow (one no-op step), all on the same Postgres.
 */
import { dbosRate } from '../lib/dbos';
import { PgBench } from '../lib/pgbench';
import { BenchPlatform } from '../lib/platform';
import { BenchOptions, Scenario } from '../lib/scenario';
import { ratios, Row } from '../lib/stats';

export const noopScenario: Scenario = {
  name: 'noop',
  description: '1-stage noop completed/s ÷ pgbench single-row INSERT TPS, ÷ DBOS Transact',
  async run({ quick, runs, log }: BenchOptions): Promise<Row[]> {
    const instances = quick ? 2000 : 5000;
    // DBOS runs one workflow per in-flight slot at a time: fewer instances give the same rate sooner.
    const dbosInstances = quick ? 500 : 2000;
    const pgbench = await PgBench.create();
    const platform = await BenchPlatform.start({ label: 'bench_noop', services: ['orchestrator'] });
    const platformRuns: number[] = [];
    const pgbenchRuns: number[] = [];
    const dbosRuns: number[] = [];
    try {
      const warm = await platform.createWorkflow('warm-up', [{ noop: {} }]);
      await platform.detectStartMode(warm);
      await platform.startInstances(warm, 50);
      log(`  starts sent as: ${platform.startMode}`);
      for (let run = 0; run < runs; run++) {
        pgbenchRuns.push(pgbench.tps(quick ? 5 : 10));
        dbosRuns.push(await dbosRate(dbosInstances, 64));
        const workflowId = await platform.createWorkflow(`noop-${run}`, [{ noop: {} }]);
        const begin = Date.now();
        await platform.startInstances(workflowId, instances);
        const startsDone = Date.now();
        await platform.completed(workflowId, instances);
        platformRuns.push(platform.completionRate(workflowId, instances, begin, startsDone));
        log(`  run ${run + 1}: platform ${platformRuns[run].toFixed(1)}/s, pgbench ${pgbenchRuns[run].toFixed(0)} TPS, DBOS ${dbosRuns[run].toFixed(1)}/s`);
      }
    } finally {
      await platform.stop();
      await pgbench.drop();
    }
    const mode = platform.startMode;
    return [
      { scenario: 'noop', measure: `platform 1-stage noop completed/s (${instances} instances, starts via ${mode})`, unit: '/s', runs: platformRuns },
      { scenario: 'noop', measure: 'pgbench single-row INSERT (16 clients)', unit: 'TPS', runs: pgbenchRuns },
      { scenario: 'noop', measure: `DBOS 1-step workflow completed/s (${dbosInstances}, 64 in flight)`, unit: '/s', runs: dbosRuns },
      target({ scenario: 'noop', measure: 'platform ÷ pgbench', unit: 'ratio', runs: ratios(platformRuns, pgbenchRuns) }, '≥ 0.25', (v) => v >= 0.25),
      target({ scenario: 'noop', measure: 'platform ÷ DBOS', unit: 'ratio', runs: ratios(platformRuns, dbosRuns) }, '≥ 1.5', (v) => v >= 1.5),
    ];
  },
};

/** A row with a target, met when every run meets it. */
export function target(row: Row, text: string, ok: (value: number) => boolean): Row {
  return { ...row, target: text, met: row.runs.length > 0 && row.runs.every(ok) };
}
