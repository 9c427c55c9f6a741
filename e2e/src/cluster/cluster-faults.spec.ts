import { runFaultScenario } from '@wfp/testing';

/**
 * The reduced, in-CI version of `npm run test:cluster`: a 3-node NATS cluster with an R3 stream,
 * 2 replicas of every service, CLUSTER_E2E_EVENTS (200) events through a trigger into
 * `noop → delay → wait_event` workflows completed through the HTTP API, while the stream
 * leader's NATS node and one replica of every service are killed and restarted.
 */
describe('scale-out under faults (reduced)', () => {
  it('loses nothing, starts nothing twice, leaves nothing stuck, and the API answers throughout', async () => {
    const lines: string[] = [];
    const result = await runFaultScenario({
      events: Number(process.env.CLUSTER_E2E_EVENTS ?? 200),
      publishRate: 50,
      delay: '500ms',
      timeoutMs: 240_000,
      log: (line) => lines.push(line),
    });
    // Shown on failure, and in the Jest output for the record.
    process.stdout.write(`${lines.join('\n')}\n${JSON.stringify(result)}\n`);
    expect(result.faults).toHaveLength(4);
    expect(result.streamReplicas).toBe(3);
    expect({ lost: result.lost, duplicateStarts: result.duplicateStarts, stuck: result.stuck, deadLetters: result.deadLetters }).toEqual({
      lost: 0,
      duplicateStarts: 0,
      stuck: 0,
      deadLetters: 0,
    });
    expect(result.instances).toBe(result.events);
    expect(result.sendEventsDone).toBe(result.events);
    expect(result.http.failed).toBe(0);
    expect(result.apiProbes).toBeGreaterThan(0);
  }, 420_000);
});
