import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, childPids, startChild, type Child } from './children';
import { commandVersion } from './bench-env';
import { freePort, sleep } from './net';

const run = promisify(execFile);

// The fan-out peer: nginx with the nchan module (Debian's libnginx-mod-nchan), one worker process
// (as push is one process), its own config and files under .local/, on a free port. Publishers
// POST to /pub/<channel>; EventSource subscribers GET /sub/<channel>.

export const NCHAN_MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so';

export interface Nchan {
  master: Child;
  port: number;
  /** pid of the single worker process, which holds the connections. */
  workerPid(): number;
  publishUrl(channel: string): string;
  subscribeUrl(channel: string): string;
  version: string;
}

export function nchanAvailable(): boolean {
  return existsSync(NCHAN_MODULE) && existsSync('/usr/sbin/nginx');
}

/**
 * Installs Debian's nginx and nchan module when missing (as scripts/ensure-deps.sh installs
 * Chromium), so a fresh machine measures the peer instead of reporting it missing. Throws with
 * apt's output when it cannot: the comparison is the point of the section.
 */
export async function ensureNchan(progress: (m: string) => void): Promise<void> {
  if (nchanAvailable()) return;
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  // Waits for dpkg's lock if another apt holds it (the stack or the browser tests may be installing).
  const apt = `${sudo}env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600`;
  // nginx-light is enough for nchan and does not pull in the other dynamic modules.
  const command = `${apt} update -q && ${apt} install -y -q --no-install-recommends nginx-light libnginx-mod-nchan`;
  progress(`fan-out: installing the peer: ${command}`);
  try {
    await run('bash', ['-c', command], { timeout: 900_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    throw new Error(`could not install nginx with nchan (${command}): ${(err as Error).message}`);
  }
  if (!nchanAvailable()) throw new Error(`${command} ran but ${NCHAN_MODULE} or /usr/sbin/nginx is still missing`);
}

export async function startNchan(openFiles: number): Promise<Nchan> {
  const port = await freePort();
  const dir = join(ROOT, '.local', 'bench-nchan', String(port));
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `load_module ${NCHAN_MODULE};
daemon off;
worker_processes 1;
worker_rlimit_nofile ${openFiles};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections ${openFiles}; use epoll; multi_accept on; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  nchan_shared_memory_size 256m;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location ~ ^/pub/([\\w-]+)$ {
      nchan_publisher;
      nchan_channel_id $1;
      nchan_message_buffer_length 4;
      nchan_message_timeout 60s;
    }
    location ~ ^/sub/([\\w-]+)$ {
      nchan_subscriber eventsource;
      nchan_channel_id $1;
      # Like push's snapshot on connect: a new viewer starts at the latest message, not a backlog.
      nchan_subscriber_first_message newest;
    }
  }
}
`,
  );
  const master = startChild('nginx-nchan', `/usr/sbin/nginx -c ${conf} -p ${dir}`);
  const deadline = Date.now() + 15_000;
  let worker = -1;
  while (Date.now() < deadline) {
    worker = findWorker(master.pid);
    if (worker > 0) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/pub/probe`, { method: 'POST', body: 'probe', signal: AbortSignal.timeout(2_000) });
        if (res.status < 300) break;
      } catch (err) {
        if (Date.now() > deadline - 1_000) throw new Error(`nchan not answering: ${(err as Error).message}\n${master.tail()}`);
      }
    }
    await sleep(200);
  }
  if (worker <= 0) throw new Error(`nginx worker did not start\n${master.tail()}`);
  const version = await commandVersion('/usr/sbin/nginx', ['-v']);
  return {
    master,
    port,
    workerPid: () => findWorker(master.pid),
    publishUrl: (c) => `http://127.0.0.1:${port}/pub/${c}`,
    subscribeUrl: (c) => `http://127.0.0.1:${port}/sub/${c}`,
    version: `${version}, nchan module from ${debVersion('libnginx-mod-nchan')}`,
  };
}

/** The master's worker, or -1 while the master is not up yet (or already gone). */
function findWorker(masterPid: number): number {
  return childPids(masterPid)[0] ?? -1;
}

function debVersion(pkg: string): string {
  try {
    const status = readFileSync('/var/lib/dpkg/status', 'utf8');
    const block = status.split('\n\n').find((b) => b.startsWith(`Package: ${pkg}\n`));
    return `${pkg} ${/\nVersion: (.+)/.exec(block ?? '')?.[1] ?? 'unknown version'}`;
  } catch (err) {
    return `${pkg} (version unknown: ${(err as Error).message})`;
  }
}
