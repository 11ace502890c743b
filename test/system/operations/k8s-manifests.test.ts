import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { TIER_NAMES, TIERS, type TierName } from '../../../scripts/tiers';
import { schemaErrors, typeErrors, type Manifest } from './k8s-schema';

// infra/k8s: every document is a valid Kubernetes object (see k8s-schema.ts for how, without
// kubeconform), and the set is wired the way the issue asks: probes, resources, autoscalers,
// disruption budgets, processors within the partition count, the migrate Job, config by reference.

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..', '..');
const DIR = join(ROOT, 'infra', 'k8s');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const manifests = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return { file, manifest: doc.toJS() as Manifest };
  }),
);
const all = manifests.map((m) => m.manifest);
const ofKind = <T = Manifest>(kind: string) => all.filter((m) => m.kind === kind) as unknown as Array<T & Manifest>;

interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  command: string[];
  ports: Array<{ name: string; containerPort: number }>;
  env?: Array<{ name: string; value: string }>;
  envFrom: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  readinessProbe: Probe;
  livenessProbe: Probe;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: Container[]; restartPolicy?: string };
}
type DeploymentDoc = Manifest & { spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: PodTemplate } };

const deployments = ofKind<DeploymentDoc>('Deployment');
const deployment = (name: string) => {
  const d = deployments.find((x) => x.metadata.name === `quizstream-${name}`);
  if (!d) throw new Error(`no Deployment quizstream-${name}`);
  return d;
};
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

it('every document is a valid object of its kind (Kubernetes OpenAPI schemas)', () => {
  expect(manifests.length).toBeGreaterThan(10);
  expect(schemaErrors(manifests)).toEqual([]);
});

it('no document has a field its kind does not define (strict, like kubeconform -strict); a misspelt one is caught', () => {
  // One compile for all (it takes seconds): the real manifests plus a copy with a misspelt field,
  // which must be the only error, so the check is shown to work and the manifests to pass it.
  const broken = structuredClone(deployment('ingest')) as DeploymentDoc & { spec: Record<string, unknown> };
  broken.spec.replica = 3;
  const errors = typeErrors([...manifests, { file: 'misspelt.yaml', manifest: broken }], ROOT);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^misspelt\.yaml Deployment\/quizstream-ingest: .*"replica".* does not exist in type 'IDeploymentSpec'/);
});

it('the schema check finds a wrong type', () => {
  const wrongType = structuredClone(deployment('push'));
  (wrongType.spec.template.spec.containers[0]!.ports[0] as { containerPort: unknown }).containerPort = 'http';
  expect(schemaErrors([{ file: 'y.yaml', manifest: wrongType }]).join('\n')).toContain('containerPort must be integer');
});

it('runs ingest, processors, the ClickHouse sink and push, each on its entry point and port; Prometheus scrapes the operational port', () => {
  // The port each tier's manifest sets, and the operational port of tiers whose main port is public.
  const ports: Record<TierName, [number, number?]> = { ingest: [8080, 8180], processor: [8095], sink: [8096], push: [8090, 8190] };
  expect(deployments.map((d) => d.metadata.name).sort()).toEqual(TIER_NAMES.map((t) => `quizstream-${TIERS[t].service}`).sort());
  for (const tier of TIER_NAMES) {
    const { service: name, entry, portVar, metricsPortVar } = TIERS[tier];
    const [port, metricsPortNumber] = ports[tier];
    const operational: [string, number] | undefined = metricsPortVar ? [metricsPortVar, metricsPortNumber!] : undefined;
    const d = deployment(name);
    const [container] = d.spec.template.spec.containers;
    expect(container!.command).toEqual(['node', '--import', 'tsx', entry]);
    expect(existsSync(join(ROOT, entry))).toBe(true);
    expect(container!.env).toContainEqual({ name: portVar, value: String(port) });
    const metricsPort = operational?.[1] ?? port;
    if (operational) {
      expect(container!.env).toContainEqual({ name: operational[0], value: String(metricsPort) });
      expect(container!.ports).toEqual([
        { name: 'http', containerPort: port },
        { name: 'metrics', containerPort: metricsPort },
      ]);
    } else {
      expect(container!.ports).toEqual([{ name: 'http', containerPort: port }]);
    }
    expect(d.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(metricsPort), 'prometheus.io/path': '/metrics' });
    expect(matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels)).toBe(true);
  }
});

it('every container has /readyz and /healthz probes on its port and resource requests and limits', () => {
  for (const d of deployments) {
    for (const c of d.spec.template.spec.containers) {
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      for (const resource of ['cpu', 'memory']) {
        expect(c.resources.requests[resource]).toBeDefined();
        expect(c.resources.limits[resource]).toBeDefined();
      }
    }
  }
});

it('reads its settings from the ConfigMap and the Secret, and commits no real secret', () => {
  const configMaps = ofKind<Manifest & { data: Record<string, string> }>('ConfigMap');
  const secrets = ofKind<Manifest & { stringData: Record<string, string> }>('Secret');
  const names = new Set([...configMaps, ...secrets].map((m) => m.metadata.name));
  for (const d of [...deployments, ...ofKind<Manifest & { spec: { template: PodTemplate } }>('Job')]) {
    for (const c of d.spec.template.spec.containers) {
      const refs = c.envFrom.map((e) => e.configMapRef?.name ?? e.secretRef?.name);
      expect(refs).toEqual(['quizstream-config', 'quizstream-secrets']);
      for (const ref of refs) expect(names).toContain(ref);
    }
  }
  for (const secret of secrets) {
    for (const [key, value] of Object.entries(secret.stringData)) {
      // Placeholders only: empty, or visibly CHANGE-ME.
      expect([key, value === '' || value.includes('CHANGE-ME')]).toEqual([key, true]);
    }
  }
  // Outside dev mode the tiers refuse to start without ADMIN_KEY, and jwks mode needs its URL.
  const config = configMaps[0]!.data;
  expect(config.AUTH_MODE).toBe('jwks');
  expect(config.AUTH_JWKS_URL).toBeTruthy();
  expect(secrets[0]!.stringData.ADMIN_KEY).toBeDefined();
  expect(config.OTEL_ENABLED).toBe('false');
});

it('keeps processors and the sink within the partition count, with no autoscaler on them', () => {
  const partitions = Number(ofKind<Manifest & { data: Record<string, string> }>('ConfigMap')[0]!.data.TOPIC_PARTITIONS);
  expect(partitions).toBeGreaterThan(0);
  for (const name of ['processor', 'clickhouse-sink']) {
    const replicas = deployment(name).spec.replicas!;
    expect(replicas).toBeGreaterThanOrEqual(1);
    expect(replicas).toBeLessThanOrEqual(partitions);
  }
});

it('autoscales ingest and push, whose Deployments leave the replica count to the autoscaler', () => {
  type Hpa = Manifest & { spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number } };
  const hpas = ofKind<Hpa>('HorizontalPodAutoscaler');
  expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(['quizstream-ingest', 'quizstream-push']);
  for (const h of hpas) {
    expect(h.spec.scaleTargetRef.kind).toBe('Deployment');
    expect(deployments.find((d) => d.metadata.name === h.spec.scaleTargetRef.name)!.spec.replicas).toBeUndefined();
    expect(h.spec.minReplicas).toBeGreaterThanOrEqual(2); // one pod alone would make the PDB block every drain
    expect(h.spec.maxReplicas).toBeGreaterThan(h.spec.minReplicas);
  }
});

it('has a PodDisruptionBudget and a Service selecting each Deployment', () => {
  type Pdb = Manifest & { spec: { selector: { matchLabels: Record<string, string> } } };
  type Svc = Manifest & { spec: { selector: Record<string, string>; ports: Array<{ targetPort: string }> } };
  for (const d of deployments) {
    const labels = d.spec.template.metadata.labels;
    expect(ofKind<Pdb>('PodDisruptionBudget').filter((p) => matches(p.spec.selector.matchLabels, labels))).toHaveLength(1);
    const services = ofKind<Svc>('Service').filter((s) => matches(s.spec.selector, labels));
    expect(services).toHaveLength(1);
    expect(services[0]!.spec.ports.map((p) => p.targetPort)).toEqual(['http']);
  }
});

it('runs the migrate command as a Job that hooks in before a rollout', () => {
  type JobDoc = Manifest & { spec: { backoffLimit: number; template: PodTemplate } };
  const [job, ...more] = ofKind<JobDoc>('Job');
  expect(more).toEqual([]);
  expect(job!.spec.template.spec.containers[0]!.command).toEqual(['node', '--import', 'tsx', 'infra/migrate.ts', 'up']);
  expect(job!.spec.template.spec.restartPolicy).toBe('Never');
  expect(job!.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'argocd.argoproj.io/hook': 'PreSync' });
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  expect(scripts.migrate).toBe('tsx infra/migrate.ts up');
});

it('kustomization.yaml applies everything except the Job (which runs first) and the placeholder Secret', () => {
  const kustomization = parse(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'migrate-job.yaml' && f !== 'secret.example.yaml').sort());
  for (const { manifest } of manifests) {
    if (manifest.kind !== 'Namespace') expect([manifest.metadata.name, manifest.metadata.namespace]).toEqual([manifest.metadata.name, 'quizstream']);
  }
});
