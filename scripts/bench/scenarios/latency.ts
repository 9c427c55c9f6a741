/**
 * Event published → instance started / completed, paced at 100 and 500 events/s: one trigger
 * (no filter) on a 1-stage `noop` workflow. Published = the event's `date` (set when the bench
 * publishes it); started / completed = the dates of the orchestrator's STARTED_WORKFLOW /
 * SUCCEEDED_WORKFLOW events of the instance (its transaction clock, same machine). The event →
 * instance link comes from the trigger's occurrences (the triggers API).
 */
import { BenchPlatform } from '../lib/platform';
import { createTrigger, occurrenceInstances, publisher } from '../lib/bus';
import { BenchOptions, Scenario } from '../lib/scenario';
import { percentile, Row, sleep } from '../lib/stats';
import { target } from './noop';

export const latencyScenario: Scenario = {
  name: 'latency',
  description: 'event published → instance started / completed, p50 and p99, paced at 100 and 500 events/s',
  async run({ quick, runs, log }: BenchOptions): Promise<Row[]> {
    const seconds = quick ? 5 : 20;
    const platform = await BenchPlatform.start({ label: 'bench_latency', services: ['orchestrator', 'triggers'] });
    const publish = publisher(platform);
    const rows: Row[] = [];
    try {
      const workflowId = await platform.createWorkflow('latency', [{ noop: {} }]);
      const warmTrigger = await createTrigger(platform, { event: 'bench.warm', workflowID: workflowId });
      for (let i = 0; i < 20; i++) await publish('bench.warm', { seq: i });
      await waitFor(() => (platform.watcher.occurrencesByTrigger.get(warmTrigger) ?? 0) >= 20, 60_000);
      for (const rate of [100, 500]) {
        const m = { startedP50: [] as number[], startedP99: [] as number[], completedP50: [] as number[], completedP99: [] as number[], achieved: [] as number[] };
        for (let run = 0; run < runs; run++) {
          const type = `bench.latency.${rate}.${run}`;
          const triggerId = await createTrigger(platform, { event: type, workflowID: workflowId, vars: { seq: 'event.seq' } });
          const published = new Map<string, number>();
          const total = rate * seconds;
          const begin = Date.now();
          const pending: Promise<unknown>[] = [];
          for (let i = 0; i < total; i++) {
            const due = begin + (i * 1000) / rate;
            const wait = due - Date.now();
            if (wait > 1) await sleep(wait);
            pending.push(publish(type, { seq: i }).then((envelope) => published.set(envelope.id, Date.parse(envelope.date))));
          }
          await Promise.all(pending);
          const sent = (Date.now() - begin) / 1000;
          const done = await waitFor(() => (platform.watcher.occurrencesByTrigger.get(triggerId) ?? 0) >= total, 300_000);
          const instances = await occurrenceInstances(platform, triggerId);
          await waitFor(() => [...instances.values()].every((id) => platform.watcher.instances.get(id)?.completedAt !== undefined), 300_000);
          const started: number[] = [];
          const completed: number[] = [];
          for (const [eventId, instanceId] of instances) {
            const seen = platform.watcher.instances.get(instanceId);
            const at = published.get(eventId);
            if (!seen || at === undefined) continue;
            if (seen.startedAt !== undefined) started.push(seen.startedAt - at);
            if (seen.completedAt !== undefined) completed.push(seen.completedAt - at);
          }
          m.startedP50.push(percentile(started, 50));
          m.startedP99.push(percentile(started, 99));
          m.completedP50.push(percentile(completed, 50));
          m.completedP99.push(percentile(completed, 99));
          m.achieved.push(total / sent);
          log(
            `  ${rate}/s run ${run + 1}: started p50 ${m.startedP50[run]} ms p99 ${m.startedP99[run]} ms, completed p50 ${m.completedP50[run]} ms p99 ${m.completedP99[run]} ms` +
              `${done ? '' : ' (not all events matched in time)'}`,
          );
        }
        const s = `paced ${rate}/s for ${seconds} s`;
        rows.push(
          { scenario: 'latency', measure: `${s}: published → started p50`, unit: 'ms', runs: m.startedP50 },
          target({ scenario: 'latency', measure: `${s}: published → started p99`, unit: 'ms', runs: m.startedP99 }, rate === 500 ? '< 20' : '', (v) => rate !== 500 || v < 20),
          { scenario: 'latency', measure: `${s}: published → completed p50`, unit: 'ms', runs: m.completedP50 },
          target({ scenario: 'latency', measure: `${s}: published → completed p99`, unit: 'ms', runs: m.completedP99 }, rate === 500 ? '< 50' : '', (v) => rate !== 500 || v < 50),
        );
      }
    } finally {
      await platform.stop();
    }
    return rows.map((row) => (row.target === '' ? { ...row, target: undefined, met: undefined } : row));
  },
};

/** Polls until `done` or the timeout; resolves whether it got there. */
export async function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}
