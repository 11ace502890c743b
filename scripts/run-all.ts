// Runs ingest, one processor, the ClickHouse sink and push as child processes on this machine, forwards SIGTERM/SIGINT
// to them and waits for their graceful shutdown. If one dies, the others are stopped too, so a
// broken tier is never hidden behind a half-running system.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '../common/config';
import { TIER_NAMES, TIERS, tsxNodeArgs } from './tiers';

const REPO = join(__dirname, '..');
const config = loadConfig();

const tiers = TIER_NAMES.map((t) => ({ name: TIERS[t].service, entry: TIERS[t].entry }));

const children = new Map<string, ChildProcess>();
let stopping = false;

function stopAll(signal: NodeJS.Signals, exitCode: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) child.kill(signal);
  const waitAll = Promise.all([...children.values()].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
  void waitAll.then(() => process.exit(exitCode));
}

for (const tier of tiers) {
  const child = spawn(process.execPath, tsxNodeArgs(join(REPO, tier.entry)), { cwd: REPO, stdio: 'inherit', env: process.env });
  children.set(tier.name, child);
  child.once('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`quizstream: ${tier.name} exited (code ${code}, signal ${signal}); stopping the others\n`);
      stopAll('SIGTERM', 1);
    }
  });
}

process.once('SIGINT', () => stopAll('SIGTERM', 0));
process.once('SIGTERM', () => stopAll('SIGTERM', 0));

async function waitHealthy(url: string, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

void (async () => {
  const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
  const ingest = `http://${host}:${config.http.ingestPort}`;
  const push = `http://${host}:${config.http.pushPort}`;
  const deadline = Date.now() + 60_000;
  const [ingestUp, pushUp] = await Promise.all([waitHealthy(`${ingest}/healthz`, deadline), waitHealthy(`${push}/healthz`, deadline)]);
  if (!ingestUp || !pushUp) {
    process.stderr.write(`quizstream: tiers not healthy after 60 s (ingest ${ingestUp}, push ${pushUp})\n`);
    return;
  }
  process.stdout.write(
    [
      '',
      'quizstream is running (Ctrl-C stops it):',
      `  ingest API     ${ingest}/v1   (OpenAPI: ${ingest}/openapi.json)`,
      `  push API/SSE   ${push}/v1`,
      `  scoreboard     ${push}/scoreboard.html?quiz=<quizId>`,
      `  play           ${push}/play.html`,
      `  host           ${push}/host.html`,
      '',
    ].join('\n') + '\n',
  );
})();
