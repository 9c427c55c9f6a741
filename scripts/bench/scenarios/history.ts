/**
 * Tables that stay fast: 1-stage `noop` completed/s with 100,000 finished instances in the
 * orchestrator ÷ with 1,000 (quick mode: 5,000 ÷ 1,000). History is made through the API
 * (instances started and run to completion), not by writing the orchestrator's tables.
 */
import { BenchPlatform } from '../lib/platform';
import { BenchOptions, Scenario } from '../lib/scenario';
import { ratios, Row } from '../lib/stats';
import { target } from './noop';

export const historyScenario: Scenario = {
  name: 'history',
  description: 'completed/s with 100,000 finished instances ÷ with 1,000 (quick: 10,000 ÷ 1,000)',
  async run({ quick, runs, log }: BenchOptions): Promise<Row[]> {
    const instances = quick ? 1000 : 2000;
    const big = quick ? 10_000 : 100_000;
    const platform = await BenchPlatform.start({ label: 'bench_history', services: ['orchestrator'] });
    const small: number[] = [];
    const large: number[] = [];
    let finished = 0;
    try {
      const seedWorkflow = await platform.createWorkflow('history', [{ noop: {} }]);
      await platform.detectStartMode(seedWorkflow);
      finished = 1;
      const seed = async (upTo: number) => {
        const count = upTo - finished;
        if (count <= 0) return;
        const before = platform.watcher.completedByWorkflow.get(seedWorkflow) ?? 0;
        await platform.startInstances(seedWorkflow, count);
        await platform.completed(seedWorkflow, before + count, 3_600_000);
        finished += count;
      };
      const measure = async (label: string): Promise<number> => {
        const workflowId = await platform.createWorkflow(label, [{ noop: {} }]);
        const begin = Date.now();
        await platform.startInstances(workflowId, instances);
        const startsDone = Date.now();
        await platform.completed(workflowId, instances);
        finished += instances;
        return platform.completionRate(workflowId, instances, begin, startsDone);
      };
      await seed(1000 - instances);
      for (let run = 0; run < runs; run++) small.push(await measure(`small-${run}`));
      const began = Date.now();
      await seed(big);
      log(`  seeded ${big} finished instances in ${((Date.now() - began) / 1000).toFixed(0)} s`);
      for (let run = 0; run < runs; run++) large.push(await measure(`large-${run}`));
      log(`  with ~1,000: ${small.map((v) => v.toFixed(1)).join(', ')}/s; with ${big}: ${large.map((v) => v.toFixed(1)).join(', ')}/s`);
    } finally {
      await platform.stop();
    }
    return [
      { scenario: 'history', measure: `noop completed/s with ~1,000 finished instances (${instances} per run)`, unit: '/s', runs: small },
      { scenario: 'history', measure: `noop completed/s with ${big.toLocaleString('en')} finished instances`, unit: '/s', runs: large },
      target(
        { scenario: 'history', measure: `${big.toLocaleString('en')} ÷ 1,000`, unit: 'ratio', runs: ratios(large, small), note: quick ? 'quick mode: 10,000; the target is for 100,000' : undefined },
        '≥ 0.9',
        (v) => v >= 0.9,
      ),
    ];
  },
};
