/**
 * Horizontal scaling: 1-stage `noop` completed/s with 2 orchestrator processes on one database
 * ÷ with 1, runs interleaved; and the check that no stage ran twice (a stage that ran twice
 * emits two STARTED_WORKFLOW_STAGE events for one (instance, stage): lifecycle events are
 * exactly once per transition).
 */
import { BenchPlatform } from '../lib/platform';
import { BenchOptions, Scenario } from '../lib/scenario';
import { ratios, Row } from '../lib/stats';
import { target } from './noop';

export const replicasScenario: Scenario = {
  name: 'replicas',
  description: '2 orchestrator replicas ÷ 1 (completed/s), and no stage run twice',
  async run({ quick, runs, log }: BenchOptions): Promise<Row[]> {
    const instances = quick ? 2000 : 5000;
    const platform = await BenchPlatform.start({ label: 'bench_replicas', services: ['orchestrator'] });
    const one: number[] = [];
    const two: number[] = [];
    let stagesChecked = 0;
    try {
      const warm = await platform.createWorkflow('warm-up', [{ noop: {} }]);
      await platform.detectStartMode(warm);
      await platform.startInstances(warm, 50);
      const measure = async (label: string): Promise<number> => {
        const workflowId = await platform.createWorkflow(label, [{ noop: {} }]);
        const begin = Date.now();
        await platform.startInstances(workflowId, instances);
        const startsDone = Date.now();
        await platform.completed(workflowId, instances);
        for (const seen of platform.watcher.instances.values()) if (seen.workflowId === workflowId) stagesChecked += seen.stageStarts.size;
        return platform.completionRate(workflowId, instances, begin, startsDone);
      };
      for (let run = 0; run < runs; run++) {
        one.push(await measure(`one-${run}`));
        await platform.addOrchestratorReplica();
        two.push(await measure(`two-${run}`));
        await platform.removeOrchestratorReplicas();
        log(`  run ${run + 1}: 1 replica ${one[run].toFixed(1)}/s, 2 replicas ${two[run].toFixed(1)}/s`);
      }
    } finally {
      await platform.stop();
    }
    const duplicates = platform.watcher.duplicateStageStarts;
    return [
      { scenario: 'replicas', measure: `1 orchestrator: noop completed/s (${instances})`, unit: '/s', runs: one },
      { scenario: 'replicas', measure: '2 orchestrators: noop completed/s', unit: '/s', runs: two },
      target({ scenario: 'replicas', measure: '2 replicas ÷ 1', unit: 'ratio', runs: ratios(two, one) }, '≥ 1.0', (v) => v >= 1),
      target(
        { scenario: 'replicas', measure: `stages started twice (of ${stagesChecked} stage starts seen)`, unit: 'count', runs: [duplicates] },
        '0',
        (v) => v === 0,
      ),
    ];
  },
};
