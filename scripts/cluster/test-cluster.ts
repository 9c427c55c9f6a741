/**
 * Scale-out proof under faults (npm run test:cluster): a 3-node NATS JetStream cluster started
 * here (R3 events stream), 2 replicas of every service on one fresh database, CLUSTER_EVENTS
 * (5000) events through a trigger into `noop → delay 1s → wait_event(go)` workflows, each `go`
 * sent through the HTTP API round-robin over the two gateways, while the stream leader's NATS
 * node and one replica of every service are killed (SIGKILL) and restarted. Exits 1 unless:
 * 0 lost, 0 duplicate starts, 0 stuck or failed instances, 0 dead letters, every `go` sent, and
 * no API request that failed on every gateway.
 *
 * Knobs: CLUSTER_EVENTS (5000), CLUSTER_FAULTS (1; 0 for a clean throughput run),
 * CLUSTER_ORCHESTRATORS (2), CLUSTER_RATE (events/s published, 200), CLUSTER_TIMEOUT_S (1500),
 * CLUSTER_DELAY (1s), CLUSTER_NO_PROGRESS_S (120: give up when nothing terminates for that long).
 */
import { runFaultScenario } from '@wfp/testing';

async function main(): Promise<void> {
  const events = Number(process.env.CLUSTER_EVENTS ?? 5000);
  const faults = process.env.CLUSTER_FAULTS !== '0';
  const orchestrators = Number(process.env.CLUSTER_ORCHESTRATORS ?? 2);
  const log = (line: string) => process.stdout.write(`[cluster] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
  log(`${events} events, faults ${faults ? 'on' : 'off'}, ${orchestrators} orchestrator replica(s), 2 of every other service`);
  const result = await runFaultScenario({
    events,
    faults,
    replicas: { orchestrator: orchestrators, triggers: 2, interventions: 2, gateway: 2 },
    publishRate: Number(process.env.CLUSTER_RATE ?? 200),
    timeoutMs: Number(process.env.CLUSTER_TIMEOUT_S ?? 1500) * 1000,
    delay: process.env.CLUSTER_DELAY ?? '1s',
    noProgressMs: Number(process.env.CLUSTER_NO_PROGRESS_S ?? 120) * 1000,
    log,
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const problems = [
    result.lost > 0 && `${result.lost} events lost`,
    result.duplicateStarts > 0 && `${result.duplicateStarts} duplicate starts`,
    result.stuck > 0 && `${result.stuck} instances stuck or failed`,
    result.deadLetters > 0 && `${result.deadLetters} dead letters`,
    result.sendEventsDone < result.events && `only ${result.sendEventsDone}/${result.events} sendEvent calls succeeded`,
    result.http.failed > 0 && `${result.http.failed} API requests failed on every gateway`,
  ].filter(Boolean);
  log(
    `${result.instances} instances in ${result.seconds.toFixed(1)} s (${result.instancesPerSecond.toFixed(1)}/s); ` +
      `API: ${result.http.requests} requests, ${result.http.retried} needed another gateway or a retry, errors seen ${JSON.stringify(result.http.errors)}; ` +
      `longest API silence ${result.apiLongestGapMs} ms`,
  );
  if (problems.length > 0) {
    log(`FAILED: ${problems.join('; ')}`);
    process.exit(1);
  }
  log('PASSED: 0 lost, 0 duplicate starts, 0 stuck, API answered throughout');
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
