import { dirname, join } from 'node:path';
import ts from 'typescript';
import { Namespace, ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';

// Validates Kubernetes manifests without a cluster or kubeconform (a GitHub binary, not reachable
// from here), using the `kubernetes-models` npm package, generated from the Kubernetes OpenAPI:
//   1. its JSON-schema validators (types, required fields, enums, formats such as int32);
//   2. its TypeScript interfaces, through the TypeScript compiler: each manifest becomes an object
//      literal typed as its interface, so an unknown or misspelt field is an excess-property error
//      (what `kubeconform -strict` catches and the schema validators, open to extra fields, do not).

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface Kind {
  validate(data: unknown): void;
  /** Module and interface of the TypeScript declaration. */
  types: [string, string];
}

const KINDS: Record<string, Kind> = {
  'v1/Namespace': { validate: (d) => new Namespace(d as never).validate(), types: ['kubernetes-models/v1/Namespace', 'INamespace'] },
  'v1/ConfigMap': { validate: (d) => new ConfigMap(d as never).validate(), types: ['kubernetes-models/v1/ConfigMap', 'IConfigMap'] },
  'v1/Secret': { validate: (d) => new Secret(d as never).validate(), types: ['kubernetes-models/v1/Secret', 'ISecret'] },
  'v1/Service': { validate: (d) => new Service(d as never).validate(), types: ['kubernetes-models/v1/Service', 'IService'] },
  'apps/v1/Deployment': { validate: (d) => new Deployment(d as never).validate(), types: ['kubernetes-models/apps/v1/Deployment', 'IDeployment'] },
  'batch/v1/Job': { validate: (d) => new Job(d as never).validate(), types: ['kubernetes-models/batch/v1/Job', 'IJob'] },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    validate: (d) => new HorizontalPodAutoscaler(d as never).validate(),
    types: ['kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler', 'IHorizontalPodAutoscaler'],
  },
  'policy/v1/PodDisruptionBudget': {
    validate: (d) => new PodDisruptionBudget(d as never).validate(),
    types: ['kubernetes-models/policy/v1/PodDisruptionBudget', 'IPodDisruptionBudget'],
  },
};

const kindOf = (m: Manifest) => `${m.apiVersion}/${m.kind}`;

/** Schema errors, one line per manifest that fails ("file kind/name: message"). */
export function schemaErrors(manifests: Array<{ file: string; manifest: Manifest }>): string[] {
  const errors: string[] = [];
  for (const { file, manifest } of manifests) {
    const kind = KINDS[kindOf(manifest)];
    if (!kind) {
      errors.push(`${file} ${kindOf(manifest)}: not a kind this check knows`);
      continue;
    }
    try {
      kind.validate(manifest);
    } catch (err) {
      errors.push(`${file} ${manifest.kind}/${manifest.metadata?.name}: ${(err as Error).message}`);
    }
  }
  return errors;
}

/** Type errors (unknown fields, wrong types) from compiling every manifest against its interface. */
export function typeErrors(manifests: Array<{ file: string; manifest: Manifest }>, repoRoot: string): string[] {
  const known = manifests.filter(({ manifest }) => KINDS[kindOf(manifest)]);
  const imports = [...new Set(known.map(({ manifest }) => KINDS[kindOf(manifest)]!.types))];
  const lines = imports.map(([module, name]) => `import type { ${name} } from '${module}';`);
  const origin: string[] = [];
  known.forEach(({ file, manifest }, i) => {
    origin.push(`${file} ${manifest.kind}/${manifest.metadata?.name}`);
    lines.push(`export const m${i}: ${KINDS[kindOf(manifest)]!.types[1]} = ${JSON.stringify(manifest, null, 1)};`);
  });
  // A virtual file inside the repository, so `kubernetes-models` resolves from its node_modules.
  const fileName = join(repoRoot, 'test', 'operations', '__k8s_manifests__.ts');
  const source = lines.join('\n');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, target: ts.ScriptTarget.ES2022, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError) => (name === fileName ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, onError));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  host.readFile = ((read) => (name: string) => (name === fileName ? source : read(name)))(host.readFile.bind(host));
  const program = ts.createProgram([fileName], options, host);
  const sourceFile = program.getSourceFile(fileName)!;
  return ts.getPreEmitDiagnostics(program, sourceFile).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.start === undefined) return message;
    // Which manifest: the nearest `export const mN` above the error.
    const before = source.slice(0, d.start);
    const match = [...before.matchAll(/export const m(\d+):/g)].pop();
    return `${match ? origin[Number(match[1])] : dirname(fileName)}: ${message}`;
  });
}
