/**
 * `cancel_on` latency (issue 22): N sleeping instances (`delay 1h`), each canceled by its own
 * `order.cancelled` event (`if: async.order == vars.order`, the correlation prefilter), published
 * at a steady rate; latency = the cancel's FAILED_WORKFLOW date − the event's publish time (one
 * host, one clock). Side by side, the reference: the same instances aborted by the orchestrator's
 * own abort command (request/reply), latency = its FAILED_WORKFLOW date − the command's send.
 * Goal: p99 ≤ 500 ms over 1,000.
 */
import { randomUUID } from 'node:crypto';
import { COMMANDS, startManyInstancesReplyDataSchema, workflowSchema } from '@wfp/contracts';
import { z } from 'zod';
import { BenchPlatform } from '../lib/platform';
import { publisher } from '../lib/bus';
import { BenchOptions, Scenario } from '../lib/scenario';
import { percentile, ratios, Row, sleep } from '../lib/stats';
import { target } from './noop';

const RATE_PER_S = 100;

export const cancelOnScenario: Scenario = {
  name: 'cancel-on',
  description: `cancel_on: publish → canceled latency at ${RATE_PER_S} events/s, beside the abort command`,
  async run({ quick, runs, log }: BenchOptions): Promise<Row[]> {
    const count = quick ? 300 : 1000;
    const platform = await BenchPlatform.start({ label: 'bench_cancel', services: ['orchestrator'] });
    const publish = publisher(platform);
    const p50 = { event: [] as number[], abort: [] as number[] };
    const p99 = { event: [] as number[], abort: [] as number[] };
    try {
      const created = await platform.commands.send(
        COMMANDS.orchestrator.createWorkflow,
        { config: { name: 'cancel-bench', stages: [{ delay: { duration: '1h' } }], cancel_on: [{ event: 'order.cancelled', if: 'async.order == vars.order' }] } },
        workflowSchema,
      );
      if (!created.ok) throw new Error(created.error.message);
      const workflowId = created.data.id;
      const startBatch = async (orders: string[]): Promise<string[]> => {
        const ids: string[] = [];
        for (let i = 0; i < orders.length; i += 100) {
          const reply = await platform.commands.send(
            COMMANDS.orchestrator.startManyInstances,
            { items: orders.slice(i, i + 100).map((order) => ({ workflowId, variables: { order } })) },
            startManyInstancesReplyDataSchema,
          );
          if (!reply.ok) throw new Error(reply.error.message);
          for (const r of reply.data.results) if (r.ok) ids.push(r.data.id);
          else throw new Error(r.error.message);
        }
        return ids;
      };
      const ended = (ids: string[]) => ids.every((id) => platform.watcher.instances.get(id)?.completedAt !== undefined);
      const waitEnded = async (ids: string[]) => {
        const deadline = Date.now() + 120_000;
        while (!ended(ids)) {
          if (Date.now() > deadline) throw new Error('not every instance ended');
          await sleep(20);
        }
      };
      const paced = async (n: number, act: (i: number) => Promise<void>) => {
        const begin = Date.now();
        const inFlight: Array<Promise<void>> = [];
        for (let i = 0; i < n; i++) {
          const due = begin + (i * 1000) / RATE_PER_S;
          if (due > Date.now()) await sleep(due - Date.now());
          inFlight.push(act(i));
        }
        await Promise.all(inFlight);
      };
      for (let run = 0; run < runs; run++) {
        const orders = Array.from({ length: count }, () => `o-${randomUUID()}`);
        // By event.
        const byEvent = await startBatch(orders);
        const sentAt = new Map<string, number>();
        await paced(count, async (i) => {
          sentAt.set(byEvent[i], Date.now());
          await publish('order.cancelled', { order: orders[i] });
        });
        await waitEnded(byEvent);
        const eventLatency = byEvent.map((id) => platform.watcher.instances.get(id)!.completedAt! - sentAt.get(id)!);
        // By the abort command.
        const byAbort = await startBatch(Array.from({ length: count }, () => `a-${randomUUID()}`));
        const abortedAt = new Map<string, number>();
        await paced(count, async (i) => {
          abortedAt.set(byAbort[i], Date.now());
          const reply = await platform.commands.send(COMMANDS.orchestrator.abortInstance, { id: byAbort[i] }, z.unknown());
          if (!reply.ok) throw new Error(reply.error.message);
        });
        await waitEnded(byAbort);
        const abortLatency = byAbort.map((id) => platform.watcher.instances.get(id)!.completedAt! - abortedAt.get(id)!);
        p50.event.push(percentile(eventLatency, 50));
        p99.event.push(percentile(eventLatency, 99));
        p50.abort.push(percentile(abortLatency, 50));
        p99.abort.push(percentile(abortLatency, 99));
        log(`  run ${run + 1}: cancel by event p50 ${p50.event[run]} ms p99 ${p99.event[run]} ms; abort command p50 ${p50.abort[run]} ms p99 ${p99.abort[run]} ms`);
      }
    } finally {
      await platform.stop();
    }
    return [
      { scenario: 'cancel-on', measure: `abort command (reference): ms, p50 (${count} instances, ${RATE_PER_S}/s)`, unit: 'ms', runs: p50.abort },
      { scenario: 'cancel-on', measure: 'abort command (reference): ms, p99', unit: 'ms', runs: p99.abort },
      { scenario: 'cancel-on', measure: `cancel_on event → canceled: ms, p50 (${count} instances, ${RATE_PER_S}/s)`, unit: 'ms', runs: p50.event },
      target({ scenario: 'cancel-on', measure: 'cancel_on event → canceled: ms, p99', unit: 'ms', runs: p99.event }, '≤ 500', (v) => v <= 500),
      { scenario: 'cancel-on', measure: 'cancel_on p99 ÷ abort command p99', unit: 'ratio', runs: ratios(p99.event, p99.abort) },
    ];
  },
};
