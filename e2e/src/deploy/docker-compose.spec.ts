/**
 * docker-compose.yml (Docker is not needed: the file is parsed and checked for what `docker
 * compose` would start). Services without `profiles` always start, so:
 * - `docker compose up` starts exactly the single-node stack, which must not depend on anything
 *   of the cluster profile;
 * - `docker compose --profile cluster up lb-cluster` starts the cluster stack (3 NATS nodes routed
 *   to each other, 2 replicas of every service on the R3 stream) and only what it depends on;
 * - with `--profile cluster` and no names both stacks run side by side, sharing only Postgres
 *   (other database, other NATS servers, no clashing host ports).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..', '..');
const APPS = ['orchestrator', 'triggers', 'interventions', 'gateway'];

interface ComposeService {
  profiles?: string[];
  image?: string;
  build?: { args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  ports?: string[];
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  configs?: Record<string, { content?: string }>;
};
const services = compose.services;
const names = Object.keys(services);
const inProfile = (profile: string | undefined) =>
  names.filter((name) => (profile === undefined ? !services[name].profiles : services[name].profiles?.includes(profile)));

/** A service and everything it depends on, transitively. */
function closure(start: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    expect(services[name]).toBeDefined();
    seen.add(name);
    for (const dependency of Object.keys(services[name].depends_on ?? {})) visit(dependency);
  };
  start.forEach(visit);
  return seen;
}

function routesOf(service: ComposeService): string[] {
  const command = service.command ?? [];
  return (command[command.indexOf('--routes') + 1] ?? '').split(',').filter(Boolean);
}

describe('docker-compose.yml', () => {
  it('gives every container a healthcheck', () => {
    for (const name of names) expect({ name, healthcheck: !!services[name].healthcheck?.test?.length }).toEqual({ name, healthcheck: true });
  });

  it('`docker compose up` starts one coherent single-node stack', () => {
    const always = inProfile(undefined);
    expect(always.sort()).toEqual(['gateway', 'interventions', 'nats', 'orchestrator', 'postgres', 'triggers']);
    // Nothing in it depends on a profiled service (compose would refuse to start it).
    expect([...closure(always)].sort()).toEqual(always.sort());
    for (const app of APPS) {
      const env = services[app].environment!;
      expect(env.APP).toBe(app);
      expect(env.NATS_URL).toBe('nats://nats:4222');
      expect(env.NATS_STREAM_REPLICAS ?? '1').toBe('1');
      expect(services[app].deploy?.replicas ?? 1).toBe(1);
    }
    expect(services.gateway.ports).toEqual(['8080:8080']);
  });

  it('`--profile cluster` adds a 3-node JetStream cluster with routes between all nodes', () => {
    const nodes = ['nats-1', 'nats-2', 'nats-3'];
    const all = nodes.map((node) => `nats-route://${node}:6222`).sort();
    for (const node of nodes) {
      const service = services[node];
      expect(service.profiles).toEqual(['cluster']);
      const command = service.command!;
      expect(command).toEqual(expect.arrayContaining(['-js', '--cluster_name', 'wfp', '--cluster', '--name', node]));
      expect(routesOf(service).sort()).toEqual(all);
      expect(service.healthcheck!.test.join(' ')).toContain('js-enabled-only=true');
    }
  });

  it('`--profile cluster up lb-cluster` starts 2 replicas of every service on the cluster (R3), and only the cluster stack', () => {
    const started = closure(['lb-cluster']);
    expect([...started].sort()).toEqual(
      ['gateway-cluster', 'interventions-cluster', 'lb-cluster', 'nats-1', 'nats-2', 'nats-3', 'orchestrator-cluster', 'postgres', 'triggers-cluster'].sort(),
    );
    for (const app of APPS) {
      const service = services[`${app}-cluster`];
      expect(service.profiles).toEqual(['cluster']);
      expect(service.deploy?.replicas).toBe(2);
      expect(service.build?.args?.APP).toBe(app);
      const env = service.environment!;
      expect(env.APP).toBe(app);
      expect(env.NATS_URL.split(',').sort()).toEqual(['nats://nats-1:4222', 'nats://nats-2:4222', 'nats://nats-3:4222']);
      expect(env.NATS_STREAM_REPLICAS).toBe('3');
      // Its own database, so it never mixes with the single-node stack's state.
      expect(env.DATABASE_URL).toMatch(/\/workflow_platform_cluster$/);
      for (const node of ['nats-1', 'nats-2', 'nats-3']) expect(service.depends_on?.[node]?.condition).toBe('service_healthy');
      // A replicated service publishes no fixed host port (two replicas would clash).
      expect(service.ports).toBeUndefined();
    }
    // The gateways share their keys (tokens and cursors valid on every replica).
    const gatewayEnv = services['gateway-cluster'].environment!;
    expect(
      gatewayEnv.GATEWAY_SHARED_SECRETS === 'nats' ||
        (!!gatewayEnv.FORMANCE_AUTH_SIGNING_SECRET && !!gatewayEnv.ORCHESTRATION_CURSOR_SECRET),
    ).toBe(true);
    // The load balancer reaches the gateway replicas and retries another one on failure.
    const lbConfig = compose.configs!['lb-cluster-conf'].content!;
    expect(lbConfig).toContain('server gateway-cluster:8080');
    expect(lbConfig).toMatch(/proxy_next_upstream error timeout http_502 http_503/);
  });

  it('both stacks can run side by side: no host port is published twice', () => {
    const published = names.flatMap((name) => (services[name].ports ?? []).map((port) => port.split(':')[0]));
    expect(new Set(published).size).toBe(published.length);
  });
});
