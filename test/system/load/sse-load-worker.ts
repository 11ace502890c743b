import { Agent, request, type ClientRequest } from 'node:http';

// A load-generator process for the fan-out section: it holds many EventSource-style connections
// (GET, Accept: text/event-stream, read forever) and notes when each snapshot seq first reaches
// each connection. It never parses the JSON: it finds `"seq":` in the bytes, so the generator
// spends as little CPU as possible and the same code reads push's and nchan's frames.
// Driven over IPC by fan-out-bench.ts; one process holds at most what its open-files limit allows.

type Command =
  | { type: 'connect'; url: string; count: number; localAddress: string; width: number; deadlineMs: number }
  | { type: 'report'; publishedAt: Record<string, number> }
  | { type: 'close' };

interface Conn {
  req: ClientRequest;
  lastSeq: number;
}

const conns: Conn[] = [];
// seq -> arrival times (ms since epoch) over all connections of this worker.
const arrivals = new Map<number, number[]>();
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
const MARK = Buffer.from('"seq":');

function send(msg: unknown): void {
  process.send?.(msg);
}

function onChunk(c: Conn, chunk: Buffer): void {
  let from = 0;
  for (;;) {
    const i = chunk.indexOf(MARK, from);
    if (i < 0) return;
    let j = i + MARK.length;
    let seq = 0;
    while (j < chunk.length && chunk[j]! >= 48 && chunk[j]! <= 57) seq = seq * 10 + (chunk[j++]! - 48);
    from = j;
    if (j > i + MARK.length && seq > c.lastSeq) {
      c.lastSeq = seq;
      let list = arrivals.get(seq);
      if (!list) arrivals.set(seq, (list = []));
      list.push(Date.now());
    }
  }
}

function openOne(url: string, localAddress: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { agent, localAddress, headers: { accept: 'text/event-stream', 'cache-control': 'no-cache' } });
    const c: Conn = { req, lastSeq: 0 };
    const timer = setTimeout(() => {
      req.destroy(new Error('connect timeout'));
    }, 15_000);
    req.once('response', (res) => {
      clearTimeout(timer);
      if (res.statusCode !== 200) {
        res.resume();
        resolve(false);
        return;
      }
      conns.push(c);
      res.on('data', (chunk: Buffer) => onChunk(c, chunk));
      // A server that drops a connection shows up as missing deliveries, which the report counts.
      res.on('error', () => undefined);
      resolve(true);
    });
    req.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    req.end();
  });
}

async function connect(cmd: Extract<Command, { type: 'connect' }>): Promise<void> {
  const deadline = Date.now() + cmd.deadlineMs;
  let ok = 0;
  let failed = 0;
  let next = 0;
  const lanes = Array.from({ length: Math.min(cmd.width, cmd.count) }, async () => {
    while (next < cmd.count && Date.now() < deadline) {
      next++;
      if (await openOne(cmd.url, cmd.localAddress)) ok++;
      else failed++;
    }
  });
  await Promise.all(lanes);
  send({ type: 'connected', ok, failed: failed + (cmd.count - ok - failed) });
}

function report(publishedAt: Record<string, number>): void {
  // 1 ms buckets up to 60 s: mergeable across workers without shipping every sample.
  const hist: Record<number, number> = {};
  let delivered = 0;
  for (const [seqText, t0] of Object.entries(publishedAt)) {
    for (const t of arrivals.get(Number(seqText)) ?? []) {
      const ms = Math.min(60_000, Math.max(0, t - t0));
      hist[ms] = (hist[ms] ?? 0) + 1;
      delivered++;
    }
  }
  send({ type: 'report', hist, delivered, connections: conns.length });
}

process.on('message', (cmd: Command) => {
  if (cmd.type === 'connect') void connect(cmd);
  else if (cmd.type === 'report') report(cmd.publishedAt);
  else if (cmd.type === 'close') {
    for (const c of conns) c.req.destroy();
    conns.length = 0;
    arrivals.clear();
    send({ type: 'closed' });
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
