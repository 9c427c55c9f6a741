/**
 * The admission cost of flow control (issue 20): matched events/s through the whole pipeline
 * (match, admission, start, occurrence) for a trigger with a `concurrency` policy
 * (`{key: 'event.tenant', limit: 1000}`, events spread over 10 tenants: a limit that never
 * throttles) ÷ the same trigger without a policy, on the same platform as `matching`. Bursts are
 * interleaved per run (the order alternates); rate = events ÷ (first publish → last
 * SUCCEEDED_TRIGGER date); the system drains (every started instance completed) between bursts.
 */
import { BenchPlatform } from '../lib/platform';
import { createTriggers, publisher } from '../lib/bus';
import { BenchOptions, Scenario } from '../lib/scenario';
import { ratios, Row } from '../lib/stats';
import { waitFor } from './latency';
import { target } from './noop';

const TENANTS = 10;

export const flowControlScenario: Scenario = {
  name: 'flow-control',
  description: 'concurrency policy ÷ no policy, matched events/s (limit 1000 per event.tenant, 10 tenants)',
  async run({ quick, runs, log }: BenchOptions): Promise<Row[]> {
    const events = quick ? 1000 : 2000;
    const platform = await BenchPlatform.start({ label: 'bench_flow', services: ['orchestrator', 'triggers'] });
    const publish = publisher(platform);
    const rates = { plain: [] as number[], policy: [] as number[] };
    try {
      const workflowId = await platform.createWorkflow('flow-control', [{ noop: {} }]);
      const common = { workflowID: workflowId, filter: 'event.key == "match"', vars: { seq: 'event.seq' } };
      const [plain] = await createTriggers(platform, [{ event: 'bench.plain', ...common }]);
      const [policy] = await createTriggers(platform, [
        { event: 'bench.policy', ...common, policy: { concurrency: [{ key: 'event.tenant', limit: 1000 }] } },
      ]);
      let started = 0;
      const burst = async (type: string, triggerId: string, count: number): Promise<number> => {
        const before = platform.watcher.occurrencesByTrigger.get(triggerId) ?? 0;
        const begin = Date.now();
        await Promise.all(Array.from({ length: count }, (_, seq) => publish(type, { key: 'match', tenant: `t${seq % TENANTS}`, seq })));
        const ok = await waitFor(() => (platform.watcher.occurrencesByTrigger.get(triggerId) ?? 0) >= before + count, 600_000);
        if (!ok) throw new Error(`${type}: not every event started an instance`);
        started += count;
        // Drain: every instance started so far completed (and its slot freed), so bursts do not overlap.
        await platform.completed(workflowId, started);
        return count / ((platform.watcher.lastOccurrenceAt.get(triggerId)! - begin) / 1000);
      };
      // Warm-up: candidate caches, compiled programs (filter, key), connections.
      await burst('bench.plain', plain, 20);
      await burst('bench.policy', policy, 20);
      for (let run = 0; run < runs; run++) {
        if (run % 2 === 0) {
          rates.plain.push(await burst('bench.plain', plain, events));
          rates.policy.push(await burst('bench.policy', policy, events));
        } else {
          rates.policy.push(await burst('bench.policy', policy, events));
          rates.plain.push(await burst('bench.plain', plain, events));
        }
        log(`  run ${run + 1}: no policy ${rates.plain[run].toFixed(1)}/s, concurrency policy ${rates.policy[run].toFixed(1)}/s`);
      }
    } finally {
      await platform.stop();
    }
    return [
      { scenario: 'flow-control', measure: `no policy: matched events/s (burst of ${events})`, unit: '/s', runs: rates.plain },
      { scenario: 'flow-control', measure: `concurrency policy (limit 1000 per event.tenant, ${TENANTS} tenants): matched events/s`, unit: '/s', runs: rates.policy },
      target({ scenario: 'flow-control', measure: 'concurrency policy ÷ no policy', unit: 'ratio', runs: ratios(rates.policy, rates.plain) }, '≥ 0.8', (v) => v >= 0.8),
    ];
  },
};
