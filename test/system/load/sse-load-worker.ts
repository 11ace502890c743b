import { connect as tcpConnect, type Socket } from 'node:net';

// A load-generator process for the fan-out section. It holds many EventSource-style streams over
// raw TCP (one GET with Accept: text/event-stream, then read forever, every socket reading into one
// shared buffer) and must cost less than the server it measures, so most streams only count: bytes, and events by their `id:` line (found with
// Buffer.indexOf, never parsed; an HTTP chunk's size line cannot contain it). One stream in
// `sampleEvery` also notes when each snapshot seq first reaches it (`"seq":` in the bytes), which
// gives the delivery-time distribution. The same code reads push's chunked responses and nchan's
// close-delimited ones. Driven over IPC by fan-out-bench.ts.

type Command =
  | { type: 'connect'; host: string; port: number; path: string; count: number; localAddress: string; width: number; deadlineMs: number; sampleEvery: number }
  | { type: 'mark' }
  | { type: 'report'; publishedAt: Record<string, number> }
  | { type: 'close' };

interface Stream {
  socket: Socket;
  /** Events counted since the last mark. */
  events: number;
  /** How many leading bytes of ID_LINE the previous read ended with (a marker split between reads). */
  partial: number;
  /** Sampled streams only: the last bytes of the previous read, to find a seq split between reads. */
  tail: Buffer<ArrayBufferLike>;
  sampled: boolean;
  lastSeq: number;
  open: boolean;
}

const ID_LINE = Buffer.from('\nid: ');
const SEQ = Buffer.from('"seq":');
// Enough for a whole `"seq":<13 digits>` cut off at the end of a read.
const KEEP_SAMPLED = 32;
// Every socket of this process reads into this one buffer (net's `onread`): no allocation and no
// stream machinery per read, which is most of what a Readable 'data' event costs.
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

const streams: Stream[] = [];
// seq -> arrival times (ms since epoch) at the sampled streams of this worker.
const arrivals = new Map<number, number[]>();
let bytes = 0;
let connectedTotal = 0;

function send(msg: unknown): void {
  process.send?.(msg);
}

function noteSeqs(s: Stream, text: Buffer, now: number): void {
  for (let i = text.indexOf(SEQ); i >= 0; i = text.indexOf(SEQ, i + SEQ.length)) {
    let j = i + SEQ.length;
    let seq = 0;
    while (j < text.length && text[j]! >= 48 && text[j]! <= 57) seq = seq * 10 + (text[j++]! - 48);
    // A seq cut off by the end of this read is read whole next time (from the kept tail).
    if (j === text.length || j === i + SEQ.length || seq <= s.lastSeq) continue;
    s.lastSeq = seq;
    let list = arrivals.get(seq);
    if (!list) arrivals.set(seq, (list = []));
    list.push(now);
  }
}

/** Counts the id lines in `data` (a view of one read), including one split from the previous read. */
function onBody(s: Stream, data: Buffer): void {
  bytes += data.length;
  const n = data.length;
  if (s.partial > 0) {
    const need = ID_LINE.length - s.partial;
    let match = n >= need;
    for (let k = 0; match && k < need; k++) match = data[k] === ID_LINE[s.partial + k];
    if (match) s.events++;
  }
  for (let i = data.indexOf(ID_LINE); i >= 0; i = data.indexOf(ID_LINE, i + ID_LINE.length)) s.events++;
  s.partial = 0;
  for (let k = Math.min(ID_LINE.length - 1, n); k > 0; k--) {
    let match = true;
    for (let m = 0; match && m < k; m++) match = data[n - k + m] === ID_LINE[m];
    if (match) {
      s.partial = k;
      break;
    }
  }
  if (s.sampled) {
    noteSeqs(s, s.tail.length > 0 ? Buffer.concat([s.tail, data]) : data, Date.now());
    s.tail = Buffer.from(data.subarray(Math.max(0, n - KEEP_SAMPLED)));
  }
}

function openOne(cmd: Extract<Command, { type: 'connect' }>, sampled: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const s: Stream = { socket: undefined as unknown as Socket, events: 0, partial: 0, tail: Buffer.alloc(0), sampled, lastSeq: 0, open: false };
    let head = '';
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ok);
    };
    // Until the head is complete, collect it (it is small); then every read goes to onBody.
    // Returns true: keep reading.
    const onRead = (nread: number): boolean => {
      if (s.open) {
        onBody(s, READ_BUFFER.subarray(0, nread));
        return true;
      }
      head += READ_BUFFER.toString('latin1', 0, nread);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return true;
      if (!head.startsWith('HTTP/1.1 200')) {
        socket.destroy();
        settle(false);
        return true;
      }
      s.open = true;
      streams.push(s);
      // Keep the head's last CRLF: an id line right after it still starts a line.
      const rest = Buffer.from(head.slice(end + 2), 'latin1');
      if (rest.length > 2) onBody(s, rest);
      settle(true);
      return true;
    };
    const socket = tcpConnect({ host: cmd.host, port: cmd.port, localAddress: cmd.localAddress, onread: { buffer: READ_BUFFER, callback: onRead } });
    s.socket = socket;
    const timer = setTimeout(() => socket.destroy(new Error('no response head in time')), 15_000);
    socket.setNoDelay(true);
    socket.on('error', () => settle(false));
    socket.on('close', () => {
      s.open = false;
      settle(false);
    });
    socket.write(`GET ${cmd.path} HTTP/1.1\r\nHost: ${cmd.host}:${cmd.port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n`);
  });
}

async function connect(cmd: Extract<Command, { type: 'connect' }>): Promise<void> {
  const deadline = Date.now() + cmd.deadlineMs;
  let ok = 0;
  let failed = 0;
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(cmd.width, cmd.count)) }, async () => {
    while (next < cmd.count && Date.now() < deadline) {
      next++;
      // Samples spread over the whole connection order: a fan-out writes in that order, so the
      // last to connect are the last to be written to.
      const sampled = connectedTotal++ % cmd.sampleEvery === 0;
      if (await openOne(cmd, sampled)) ok++;
      else failed++;
    }
  });
  await Promise.all(lanes);
  send({ type: 'connected', ok, failed: failed + (cmd.count - ok - failed), open: streams.filter((s) => s.open).length });
}

function report(publishedAt: Record<string, number>): void {
  // 1 ms buckets up to 60 s: mergeable across workers without shipping every sample.
  const hist: Record<number, number> = {};
  let sampledDeliveries = 0;
  for (const [seqText, t0] of Object.entries(publishedAt)) {
    for (const t of arrivals.get(Number(seqText)) ?? []) {
      const ms = Math.min(60_000, Math.max(0, t - t0));
      hist[ms] = (hist[ms] ?? 0) + 1;
      sampledDeliveries++;
    }
  }
  const expected = Object.keys(publishedAt).length;
  let delivered = 0;
  let short = 0;
  let open = 0;
  for (const s of streams) {
    delivered += Math.min(s.events, expected);
    if (s.events < expected) short++;
    if (s.open) open++;
  }
  send({ type: 'report', hist, sampledDeliveries, delivered, short, streams: streams.length, open, bytes });
}

process.on('message', (cmd: Command) => {
  if (cmd.type === 'connect') void connect(cmd);
  else if (cmd.type === 'mark') {
    // From here on, events count toward the step (the snapshot a stream got on connect does not).
    for (const s of streams) s.events = 0;
    arrivals.clear();
    bytes = 0;
    send({ type: 'marked' });
  } else if (cmd.type === 'report') report(cmd.publishedAt);
  else if (cmd.type === 'close') {
    for (const s of streams) s.socket.destroy();
    streams.length = 0;
    arrivals.clear();
    send({ type: 'closed' });
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
