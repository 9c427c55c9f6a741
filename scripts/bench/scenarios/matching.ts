/**
 * Matching that does not grow with rules: events/s through the whole pipeline (match, start,
 * occurrence) for one event type with 1 trigger, with 10,000 equality-filter triggers
 * (`event.key == "k<i>"`, one matching) and with 10,000 range-filter triggers
 * (`event.amount > <1000000 + i>`, one `event.amount > 100` matching). Triggers are created
 * through the API. A burst of events per run; rate = events ÷ (first publish → last
 * SUCCEEDED_TRIGGER date); the system drains (every started instance completed) between bursts.
 */
import { BenchPlatform } from '../lib/platform';
import { createTriggers, publisher } from '../lib/bus';
import { BenchOptions, Scenario } from '../lib/scenario';
import { ratios, Row } from '../lib/stats';
import { waitFor } from './latency';
import { target } from './noop';

export const matchingScenario: Scenario = {
  name: 'matching',
  description: '10,000 triggers ÷ 1 trigger, events/s (equality filters / event.amount > N filters)',
  async run({ quick, runs, log }: BenchOptions): Promise<Row[]> {
    const events = quick ? 1000 : 2000;
    const others = 9_999;
    const platform = await BenchPlatform.start({ label: 'bench_matching', services: ['orchestrator', 'triggers'] });
    const publish = publisher(platform);
    const rates = { one: [] as number[], equality: [] as number[], amount: [] as number[] };
    try {
      const workflowId = await platform.createWorkflow('matching', [{ noop: {} }]);
      const began = Date.now();
      const [one] = await createTriggers(platform, [{ event: 'bench.one', workflowID: workflowId, filter: 'event.key == "match"', vars: { seq: 'event.seq' } }]);
      const [equality] = await createTriggers(platform, [{ event: 'bench.eq', workflowID: workflowId, filter: 'event.key == "match"', vars: { seq: 'event.seq' } }]);
      const [amount] = await createTriggers(platform, [{ event: 'bench.amount', workflowID: workflowId, filter: 'event.amount > 100', vars: { seq: 'event.seq' } }]);
      await createTriggers(
        platform,
        Array.from({ length: others }, (_, i) => ({ event: 'bench.eq', workflowID: workflowId, filter: `event.key == "k${i}"`, vars: { seq: 'event.seq' } })),
      );
      await createTriggers(
        platform,
        Array.from({ length: others }, (_, i) => ({ event: 'bench.amount', workflowID: workflowId, filter: `event.amount > ${1_000_000 + i}`, vars: { seq: 'event.seq' } })),
      );
      log(`  created ${3 + 2 * others} triggers through the API in ${((Date.now() - began) / 1000).toFixed(0)} s`);
      let started = 0;
      const burst = async (type: string, triggerId: string, count: number): Promise<number> => {
        const before = platform.watcher.occurrencesByTrigger.get(triggerId) ?? 0;
        const begin = Date.now();
        await Promise.all(Array.from({ length: count }, (_, seq) => publish(type, { key: 'match', amount: 500, seq })));
        const ok = await waitFor(() => (platform.watcher.occurrencesByTrigger.get(triggerId) ?? 0) >= before + count, 600_000);
        if (!ok) throw new Error(`${type}: not every event matched`);
        started += count;
        // Drain: every instance started so far completed, so bursts do not overlap.
        await platform.completed(workflowId, started);
        return count / ((platform.watcher.lastOccurrenceAt.get(triggerId)! - begin) / 1000);
      };
      // Warm-up: candidate caches, compiled programs, connections.
      for (const [type, id] of [['bench.one', one], ['bench.eq', equality], ['bench.amount', amount]] as const) await burst(type, id, 20);
      for (let run = 0; run < runs; run++) {
        rates.one.push(await burst('bench.one', one, events));
        rates.equality.push(await burst('bench.eq', equality, events));
        rates.amount.push(await burst('bench.amount', amount, events));
        log(`  run ${run + 1}: 1 trigger ${rates.one[run].toFixed(1)}/s, 10k equality ${rates.equality[run].toFixed(1)}/s, 10k amount ${rates.amount[run].toFixed(1)}/s`);
      }
    } finally {
      await platform.stop();
    }
    return [
      { scenario: 'matching', measure: `1 trigger: matched events/s (burst of ${events})`, unit: '/s', runs: rates.one },
      { scenario: 'matching', measure: '10,000 equality triggers: matched events/s', unit: '/s', runs: rates.equality },
      { scenario: 'matching', measure: '10,000 `event.amount > N` triggers: matched events/s', unit: '/s', runs: rates.amount },
      target({ scenario: 'matching', measure: '10,000 equality ÷ 1', unit: 'ratio', runs: ratios(rates.equality, rates.one) }, '≥ 0.5 every run', (v) => v >= 0.5),
      target({ scenario: 'matching', measure: '10,000 amount > N ÷ 1', unit: 'ratio', runs: ratios(rates.amount, rates.one) }, '≥ 0.5 every run', (v) => v >= 0.5),
    ];
  },
};
