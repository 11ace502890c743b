import { connect as tcpConnect, type Socket } from 'node:net';

// A load-generator process for the fan-out section. It holds many EventSource-style streams over
// raw TCP (one GET with Accept: text/event-stream, then read forever) and must cost less than the
// server it measures, so most streams only count: bytes, and events by their `id:` line (found with
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
  /** The last bytes of the previous read, so a marker split between two reads is still found. */
  tail: Buffer<ArrayBufferLike>;
  sampled: boolean;
  lastSeq: number;
  open: boolean;
}

const ID_LINE = Buffer.from('\nid: ');
const SEQ = Buffer.from('"seq":');
// Bytes of one read kept for the next: enough for a marker split between them, and at sampled
// streams for a whole `"seq":<13 digits>` cut off at the end of a read.
const KEEP = 8;
const KEEP_SAMPLED = 32;

const streams: Stream[] = [];
// seq -> arrival times (ms since epoch) at the sampled streams of this worker.
const arrivals = new Map<number, number[]>();
let bytes = 0;
let connectedTotal = 0;

function send(msg: unknown): void {
  process.send?.(msg);
}

function count(haystack: Buffer, needle: Buffer): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
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

function onData(s: Stream, chunk: Buffer): void {
  bytes += chunk.length;
  // Markers wholly inside the chunk, then those straddling the previous read and this one.
  s.events += count(chunk, ID_LINE);
  if (s.tail.length > 0) {
    const seam = Buffer.concat([s.tail, chunk.subarray(0, ID_LINE.length - 1)]);
    s.events += count(seam, ID_LINE) - count(s.tail, ID_LINE) - count(seam.subarray(s.tail.length), ID_LINE);
  }
  if (s.sampled) noteSeqs(s, s.tail.length > 0 ? Buffer.concat([s.tail, chunk]) : chunk, Date.now());
  s.tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (s.sampled ? KEEP_SAMPLED : KEEP))));
}

function openOne(cmd: Extract<Command, { type: 'connect' }>, sampled: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: cmd.host, port: cmd.port, localAddress: cmd.localAddress });
    const s: Stream = { socket, events: 0, tail: Buffer.alloc(0), sampled, lastSeq: 0, open: false };
    let head: Buffer<ArrayBufferLike> = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(new Error('no response head in time')), 15_000);
    const settle = (ok: boolean) => {
      clearTimeout(timer);
      resolve(ok);
    };
    socket.setNoDelay(true);
    socket.on('error', () => settle(false));
    socket.on('close', () => {
      s.open = false;
      settle(false);
    });
    // Until the head is complete, collect; then hand the rest of the body to onData.
    const onHead = (chunk: Buffer) => {
      head = head.length > 0 ? Buffer.concat([head, chunk]) : chunk;
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onHead);
      if (!head.subarray(0, 16).toString('latin1').startsWith('HTTP/1.1 200')) {
        socket.destroy();
        settle(false);
        return;
      }
      s.open = true;
      streams.push(s);
      socket.on('data', (c: Buffer) => onData(s, c));
      const rest = head.subarray(end + 2); // keep the head's last \r\n: an id line right after it still starts a line
      if (rest.length > 2) onData(s, rest);
      settle(true);
    };
    socket.on('data', onHead);
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
