/**
 * Gateway read path: `GET /api/orchestration/instances/{id}` req/s through the gateway
 * (HTTP → auth → NATS command → orchestrator → Postgres → back) ÷ a bare node `http` + `pg`
 * endpoint serving the same JSON from one row (see lib/bare-server.ts), both loaded by the same
 * closed-loop client (32 keep-alive connections). The cost of request logging is measured by
 * a second gateway process with LOG_LEVEL=warn (no per-request log lines), loaded in turn.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, eventually, freePort } from '@wfp/testing';
import { GATEWAY_AUTH_ENV, gatewayToken, spawnGateway } from '../lib/gateway';
import { BenchPlatform } from '../lib/platform';
import { requestsPerSecond } from '../lib/http-load';
import { BenchOptions, Scenario } from '../lib/scenario';
import { ratios, Row } from '../lib/stats';
import { target } from './noop';

export const gatewayScenario: Scenario = {
  name: 'gateway',
  description: 'gateway GET instance req/s ÷ a bare node http + pg endpoint serving the same JSON',
  async run({ quick, runs, log }: BenchOptions): Promise<Row[]> {
    const seconds = quick ? 5 : 10;
    const platform = await BenchPlatform.start({
      label: 'bench_gateway',
      services: ['orchestrator'],
      env: GATEWAY_AUTH_ENV,
    });
    const bareDb = await createTestDatabase('bench_bare');
    let bare: ChildProcess | undefined;
    const gateways: ChildProcess[] = [];
    const spawnGatewayAt = (level: string) => spawnGateway(platform, level, gateways);
    const gatewayRuns: number[] = [];
    const quietRuns: number[] = [];
    const bareRuns: number[] = [];
    try {
      const workflowId = await platform.createWorkflow('gateway', [{ noop: {} }]);
      await platform.detectStartMode(workflowId);
      await platform.startInstances(workflowId, 1);
      await platform.completed(workflowId, 1);
      const instanceId = [...platform.watcher.instances.entries()].find(([, seen]) => seen.workflowId === workflowId)![0];
      const gatewayBase = await spawnGatewayAt('info');
      const quietBase = await spawnGatewayAt('warn');
      const headers = { Authorization: `Bearer ${await gatewayToken(gatewayBase, 'orchestration:read')}` };
      const path = `/api/orchestration/instances/${instanceId}`;
      const gatewayUrl = `${gatewayBase}${path}`;
      const quietUrl = `${quietBase}${path}`;
      const body = await (await fetch(gatewayUrl, { headers })).text();

      const client = new Client({ connectionString: bareDb.url });
      await client.connect();
      await client.query('CREATE TABLE bench_instances (id text PRIMARY KEY, body text NOT NULL)');
      await client.query('INSERT INTO bench_instances (id, body) VALUES ($1, $2)', [instanceId, body]);
      await client.end();
      const port = await freePort();
      bare = spawn(process.execPath, [join(__dirname, '..', 'lib', 'bare-server.js'), bareDb.url, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let ready = false;
      bare.stdout!.on('data', () => (ready = true));
      await eventually(() => ready, { what: 'the bare server' });
      const bareBody = await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
      if (bareBody !== body) throw new Error('the bare server does not serve the same JSON');

      await requestsPerSecond(quietUrl, 1, 32, headers);
      await requestsPerSecond(gatewayUrl, 1, 32, headers); // warm-up
      await requestsPerSecond(`http://127.0.0.1:${port}${path}`, 1);
      for (let run = 0; run < runs; run++) {
        gatewayRuns.push(await requestsPerSecond(gatewayUrl, seconds, 32, headers));
        bareRuns.push(await requestsPerSecond(`http://127.0.0.1:${port}${path}`, seconds));
        quietRuns.push(await requestsPerSecond(quietUrl, seconds, 32, headers));
        log(`  run ${run + 1}: gateway ${gatewayRuns[run].toFixed(0)} req/s, bare ${bareRuns[run].toFixed(0)} req/s, gateway LOG_LEVEL=warn ${quietRuns[run].toFixed(0)} req/s`);
      }
    } finally {
      bare?.kill('SIGTERM');
      for (const child of gateways) child.kill('SIGTERM');
      await platform.stop();
      await bareDb.drop();
    }
    return [
      { scenario: 'gateway', measure: 'gateway GET /instances/{id} (LOG_LEVEL=info, auth on)', unit: 'req/s', runs: gatewayRuns },
      { scenario: 'gateway', measure: 'bare node http + pg, same JSON', unit: 'req/s', runs: bareRuns },
      target({ scenario: 'gateway', measure: 'gateway ÷ bare', unit: 'ratio', runs: ratios(gatewayRuns, bareRuns) }, '≥ 0.5', (v) => v >= 0.5),
      { scenario: 'gateway', measure: 'gateway with LOG_LEVEL=warn (no request logs)', unit: 'req/s', runs: quietRuns },
      { scenario: 'gateway', measure: 'request logging cost: info ÷ warn', unit: 'ratio', runs: ratios(gatewayRuns, quietRuns) },
    ];
  },
};
