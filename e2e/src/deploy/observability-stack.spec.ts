/**
 * The `observability` compose profile, checked without Docker: docker-compose.yml, the Prometheus
 * configuration and the Grafana dashboard parse, reference files that exist, scrape every service
 * of the stack on the port it serves /metrics on, and query only metrics the services export
 * (names from the platform's registry) — every platform metric appears on the dashboard.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { metricsRegistry } from '@wfp/platform';

const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface ComposeService {
  profiles?: string[];
  build?: { args?: { APP?: string } };
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  image?: string;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
const prometheus = parse(read('deploy/prometheus/prometheus.yml')) as {
  scrape_configs: Array<{ job_name: string; metrics_path?: string; static_configs: Array<{ targets: string[] }> }>;
};
const dashboard = JSON.parse(read('deploy/grafana/dashboards/workflow-platform.json')) as {
  uid: string;
  panels: Array<{ type: string; title: string; datasource?: { uid: string }; targets?: Array<{ expr: string }> }>;
};

/** Every metric family the services export (platform metrics + Node process metrics). */
function exportedFamilies(): Map<string, string> {
  const registry = metricsRegistry('test');
  return new Map(registry.getMetricsAsArray().map((metric) => [metric.name, (metric as unknown as { type: string }).type]));
}

/** Series names a PromQL expression selects (identifiers followed by `{`, `[` or `)`, not functions or labels). */
function seriesNames(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, '{}').replace(/\bby \([^)]*\)/g, '');
  return [...withoutLabels.matchAll(/\b([a-z_:][a-z0-9_:]*)\s*(?=[{[)])/g)].map((m) => m[1]).filter((n) => !/^(sum|max|min|avg|rate|increase|histogram_quantile|le)$/.test(n));
}

/** The family a series belongs to (`x_bucket` → `x` for histograms). */
function familyOf(series: string, families: Map<string, string>): string | undefined {
  if (families.has(series)) return series;
  const base = series.replace(/_(bucket|sum|count)$/, '');
  return families.get(base) === 'histogram' || families.get(base) === 'summary' ? base : undefined;
}

it('reads series names out of PromQL', () => {
  expect(seriesNames('histogram_quantile(0.95, sum by (le, route) (rate(wfp_http_request_duration_seconds_bucket{service=~"$service"}[$__rate_interval])))')).toEqual([
    'wfp_http_request_duration_seconds_bucket',
  ]);
  expect(seriesNames('sum(rate(a_total[1m])) / sum(rate(b_count[1m]))')).toEqual(['a_total', 'b_count']);
});

describe('observability compose profile (Prometheus, Grafana, Jaeger)', () => {
  const services = compose.services;
  /** The default stack's platform services (other profiles, e.g. `cluster`, are separate stacks). */
  const platform = Object.entries(services).filter(([, s]) => s.build?.args?.APP && !s.profiles?.length);

  it('adds Prometheus, Grafana and Jaeger under the profile only', () => {
    for (const name of ['prometheus', 'grafana', 'jaeger']) {
      expect(services[name]?.profiles).toEqual(['observability']);
      expect(services[name].image).toMatch(/:v?[0-9]/); // a pinned version
    }
    expect(platform.map(([name]) => name).sort()).toEqual(['gateway', 'interventions', 'orchestrator', 'triggers']);
  });

  it('mounts configuration files that exist', () => {
    for (const name of ['prometheus', 'grafana']) {
      for (const volume of services[name].volumes ?? []) {
        const source = volume.split(':')[0];
        expect(existsSync(join(ROOT, source))).toBe(true);
      }
    }
    const datasources = parse(read('deploy/grafana/provisioning/datasources/datasources.yml')) as {
      datasources: Array<{ uid: string; type: string; url: string }>;
    };
    expect(datasources.datasources.map((d) => [d.uid, d.type, d.url])).toEqual([
      ['prometheus', 'prometheus', 'http://prometheus:9090'],
      ['jaeger', 'jaeger', 'http://jaeger:16686'],
    ]);
    const providers = parse(read('deploy/grafana/provisioning/dashboards/dashboards.yml')) as { providers: Array<{ options: { path: string } }> };
    const mounted = (services.grafana.volumes ?? []).map((v) => v.split(':')[1]);
    expect(mounted).toContain(providers.providers[0].options.path);
  });

  it('scrapes every platform service where it serves /metrics', () => {
    const targets = new Map<string, string>();
    for (const job of prometheus.scrape_configs) {
      expect(job.metrics_path ?? '/metrics').toBe('/metrics');
      for (const target of job.static_configs.flatMap((c) => c.targets)) targets.set(target.split(':')[0], target.split(':')[1]);
    }
    for (const [name, service] of platform) {
      const env = service.environment ?? {};
      // The gateway serves /metrics on its HTTP port; the others on METRICS_PORT.
      const port = name === 'gateway' ? env.PORT : env.METRICS_PORT;
      expect(port).toBeDefined();
      expect(targets.get(name)).toBe(port);
    }
  });

  it('sends traces to Jaeger over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is given, none otherwise', () => {
    expect(services.jaeger.environment?.COLLECTOR_OTLP_ENABLED).toBe('true');
    expect(services.jaeger.ports).toContain('4318:4318');
    for (const [, service] of platform) expect(service.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('${OTEL_EXPORTER_OTLP_ENDPOINT:-}');
    expect(read('docker-compose.yml')).toContain('OTEL_EXPORTER_OTLP_ENDPOINT=http://jaeger:4318 docker compose --profile observability up');
  });

  it('charts only metrics the services export, and every platform metric', () => {
    const families = exportedFamilies();
    const used = new Set<string>();
    const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => ({ panel: panel.title, expr: t.expr })));
    expect(queries.length).toBeGreaterThan(10);
    for (const { panel, expr } of queries) {
      const names = seriesNames(expr);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) {
        const family = familyOf(name, families);
        if (!family) throw new Error(`panel "${panel}" queries ${name}, which no service exports`);
        used.add(family);
      }
    }
    const platformFamilies = [...families.keys()].filter((name) => name.startsWith('wfp_'));
    expect(platformFamilies.filter((name) => !used.has(name))).toEqual([]);
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) expect(panel.datasource?.uid).toBe('prometheus');
  });

  it('agrees with the Kubernetes manifests: METRICS_PORT 9464, probed and annotated for scraping', () => {
    const docs = ['config', 'orchestrator', 'triggers', 'interventions'].flatMap((file) =>
      parseAllDocuments(read(`deploy/k8s/base/${file}.yaml`)).map((d) => d.toJSON() as Record<string, any>), // eslint-disable-line @typescript-eslint/no-explicit-any
    );
    const config = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'platform-config')!;
    expect(config.data.METRICS_PORT).toBe('9464');
    for (const deployment of docs.filter((d) => d.kind === 'Deployment')) {
      const container = deployment.spec.template.spec.containers[0];
      expect(container.ports.find((p: { name: string }) => p.name === 'metrics').containerPort).toBe(9464);
      expect(deployment.spec.template.metadata.annotations['prometheus.io/port']).toBe('9464');
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    }
  });
});
