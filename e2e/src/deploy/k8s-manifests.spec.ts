/**
 * The Kubernetes manifests under deploy/k8s render with kustomize and every object is valid
 * against the Kubernetes API schemas (kubernetes-models validates with the upstream OpenAPI
 * definitions). Skipped, saying so, when kubectl is not installed.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';

const ROOT = join(__dirname, '..', '..', '..');
const SERVICES = ['gateway', 'orchestrator', 'triggers', 'interventions'];

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are checked by the schema models
  spec?: Record<string, any>;
  data?: Record<string, string>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each model takes its own object type
const MODELS: Record<string, new (value: any) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function render(overlay: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', join(ROOT, 'deploy/k8s/overlays', overlay)], { encoding: 'utf8' });
  return parseAllDocuments(out).map((doc) => doc.toJSON() as K8sObject);
}

const hasKubectl = kubectlAvailable();
if (!hasKubectl) console.warn('SKIPPED: deploy/k8s manifest checks (kubectl is not installed)');
const describeIfKubectl = hasKubectl ? describe : describe.skip;

describeIfKubectl.each(['dev', 'production'])('deploy/k8s overlay %s', (overlay) => {
  const objects = render(overlay);

  it('renders only objects that validate against the Kubernetes schemas', () => {
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect(Model).toBeDefined();
      expect(() => new Model(object).validate()).not.toThrow();
    }
  });

  it('has one Deployment per service with health probes, resources, config and secrets, and a PodDisruptionBudget each', () => {
    for (const name of SERVICES) {
      const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
      expect(deployment).toBeDefined();
      const container = deployment!.spec!.template.spec.containers[0];
      expect(container.livenessProbe.httpGet.path).toBe('/healthz');
      expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      expect(container.resources.requests).toBeDefined();
      expect(container.envFrom).toEqual(
        expect.arrayContaining([{ configMapRef: { name: 'platform-config' } }, { secretRef: { name: 'platform-secrets' } }]),
      );
      expect(container.env).toEqual(expect.arrayContaining([{ name: 'APP', value: name }]));
      const budget = objects.find((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === name);
      expect(budget?.spec?.selector.matchLabels).toEqual(deployment!.spec!.selector.matchLabels);
    }
  });

  it('keeps secrets out of the ConfigMap', () => {
    const config = objects.find((o) => o.kind === 'ConfigMap');
    expect(Object.keys(config!.data!)).not.toEqual(
      expect.arrayContaining(['DATABASE_URL', 'FORMANCE_AUTH_SIGNING_SECRET', 'FORMANCE_AUTH_CLIENTS', 'SOLVIMON_API_KEYS']),
    );
    for (const key of ['DATABASE_URL', 'FORMANCE_AUTH_SIGNING_SECRET', 'FORMANCE_AUTH_CLIENTS', 'SOLVIMON_API_KEYS']) {
      expect(config!.data![key]).toBeUndefined();
    }
  });
});

describeIfKubectl('deploy/k8s production overlay', () => {
  it('runs several replicas of every service on R3 streams', () => {
    const objects = render('production');
    for (const name of SERVICES) {
      const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
      expect(deployment!.spec!.replicas).toBeGreaterThanOrEqual(2);
    }
    const config = objects.find((o) => o.kind === 'ConfigMap');
    expect(config!.data!.NATS_STREAM_REPLICAS).toBe('3');
    expect(config!.data!.NATS_URL.split(',')).toHaveLength(3);
  });
});
