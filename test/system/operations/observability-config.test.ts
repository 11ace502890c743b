import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { baseMetric, declaredMetricNames, seriesIn } from './declared-metrics';

// infra/prometheus (scrape config, alert rules) and infra/grafana (dashboard, provisioning) parse,
// and every series they read is one our code declares: a renamed metric fails here, not in production.

const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const declared = declaredMetricNames();
// Series Prometheus itself makes, and prom-client's default process metrics.
const builtIn = (name: string) => name === 'up' || name.startsWith('process_') || name.startsWith('nodejs_');

function unknownSeries(exprs: string[]): string[] {
  return [...new Set(exprs.flatMap(seriesIn))].filter((s) => !builtIn(s) && !declared.has(s) && !declared.has(baseMetric(s)));
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

describe('infra/prometheus', () => {
  it('the code declares the series the config is about', () => {
    for (const name of ['http_requests_total', 'processor_consumer_lag_messages', 'processor_dead_lettered_total', 'push_open_connections']) {
      expect(declared).toContain(name);
    }
  });

  it('scrapes every tier and loads the alert rules', () => {
    const config = parse(read('infra/prometheus/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: Array<{ job_name: string; static_configs?: Array<{ targets: string[] }>; dns_sd_configs?: Array<{ names: string[]; port: number }> }>;
    };
    expect(config.rule_files).toContain('/etc/prometheus/alerts.yml');
    const jobs = Object.fromEntries(config.scrape_configs.map((j) => [j.job_name, j]));
    expect(Object.keys(jobs).sort()).toEqual(['quizstream-clickhouse-sink', 'quizstream-ingest', 'quizstream-processor', 'quizstream-push']);
    // Ingest and push keep /metrics off their public ports: it is on the operational ones.
    expect(jobs['quizstream-ingest']!.static_configs![0]!.targets).toEqual(['ingest:8180']);
    expect(jobs['quizstream-push']!.static_configs![0]!.targets).toEqual(['push:8190']);
    expect(jobs['quizstream-clickhouse-sink']!.static_configs![0]!.targets).toEqual(['clickhouse-sink:8096']);
    expect(jobs['quizstream-processor']!.dns_sd_configs![0]).toMatchObject({ names: ['processor'], port: 8095 });
  });

  it('has well-formed alert rules for lag, 5xx rate and dead letters, over series that exist', () => {
    const doc = parse(read('infra/prometheus/alerts.yml')) as { groups: Array<{ name: string; rules: Rule[] }> };
    const rules = doc.groups.flatMap((g) => g.rules);
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(typeof rule.expr).toBe('string');
      expect(rule.labels?.severity).toMatch(/^(page|ticket)$/);
      expect(rule.annotations?.summary).toBeTruthy();
      if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smh]$/);
    }
    const reading = (metric: string) => rules.filter((r) => seriesIn(r.expr).includes(metric)).map((r) => r.alert);
    expect(reading('processor_consumer_lag_messages')).toHaveLength(1);
    expect(reading('http_requests_total')).toHaveLength(1);
    expect(reading('processor_dead_lettered_total')).toHaveLength(1);
    expect(rules.find((r) => r.alert === 'QuizstreamHttp5xxRateHigh')!.expr).toContain('status=~"5.."');
    expect(unknownSeries(rules.map((r) => r.expr))).toEqual([]);
  });
});

describe('infra/grafana', () => {
  interface Panel {
    type: string;
    title: string;
    datasource?: { uid: string };
    targets?: Array<{ expr: string; refId: string }>;
  }
  const dashboard = JSON.parse(read('infra/grafana/quizstream-dashboard.json')) as { uid: string; title: string; panels: Panel[] };
  const graphs = dashboard.panels.filter((p) => p.type !== 'row');

  it('every panel queries the provisioned data source, over series that exist', () => {
    const datasources = parse(read('infra/grafana/provisioning/datasources/prometheus.yml')) as { datasources: Array<{ uid: string; url: string }> };
    const uid = datasources.datasources[0]!.uid;
    expect(datasources.datasources[0]!.url).toBe('http://prometheus:9090');
    expect(graphs.length).toBeGreaterThan(10);
    for (const panel of graphs) {
      expect(panel.datasource?.uid).toBe(uid);
      expect(panel.targets?.length).toBeGreaterThan(0);
    }
    expect(unknownSeries(graphs.flatMap((p) => p.targets!.map((t) => t.expr)))).toEqual([]);
  });

  it('shows the pipeline at a glance: requests, latency, lag, flushes, snapshot delay, SSE connections and drops', () => {
    const used = new Set(graphs.flatMap((p) => p.targets!.flatMap((t) => seriesIn(t.expr).map(baseMetric))));
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds',
      'processor_consumer_lag_messages',
      'processor_flush_duration_seconds',
      'processor_snapshot_publish_duration_seconds',
      'push_snapshot_publish_to_write_seconds',
      'push_open_connections',
      'push_viewers_dropped_total',
      'processor_dead_lettered_total',
      'quizstream_sink_consumer_lag',
      'quizstream_sink_insert_duration_seconds',
    ]) {
      expect(used).toContain(name);
    }
  });

  it('is provisioned from the folder docker-compose mounts', () => {
    const providers = parse(read('infra/grafana/provisioning/dashboards/quizstream.yml')) as { providers: Array<{ options: { path: string } }> };
    expect(providers.providers[0]!.options.path).toBe('/var/lib/grafana/dashboards');
  });
});

describe('seriesIn', () => {
  it('finds the series and nothing else', () => {
    expect(seriesIn('histogram_quantile(0.95, sum by (le, table) (rate(foo_bucket{a="b"}[5m]))) / bar > 0.05')).toEqual(['foo_bucket', 'bar']);
  });
});
