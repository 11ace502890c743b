import { Writable } from 'node:stream';
import type { ViewerLimits } from '../../push/options';
import { sseFrame } from '../../push/sse-frames';
import { Viewer, type DropReason, type Frame, type SnapshotFrame } from '../../push/viewer';

/**
 * A real Writable that only "sends" when the test says so: it holds each chunk until release(),
 * like a socket whose peer stopped reading. writableLength and 'drain' behave as Node's do.
 */
class StalledSink extends Writable {
  readonly sent: Buffer[] = [];
  private held: Array<{ chunk: Buffer; done: () => void }> = [];

  constructor(highWaterMark = 16) {
    super({ highWaterMark });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error) => void): void {
    this.held.push({ chunk, done });
  }

  /** Lets everything written so far through, one chunk per tick as a socket would. */
  async release(): Promise<void> {
    while (this.held.length > 0) {
      const next = this.held.shift()!;
      this.sent.push(next.chunk);
      next.done();
      await new Promise((r) => setImmediate(r));
    }
  }

  text(): string {
    return Buffer.concat(this.sent).toString();
  }
}

function snapshot(seq: number, size = 10): SnapshotFrame {
  return { ...sseFrame('snapshot', `id: ${seq}\ndata: ${'x'.repeat(size)}\n\n`), seq };
}

function frame(kind: string, text: string): Frame {
  return sseFrame(kind, text);
}

const ids = (sink: StalledSink) => [...sink.text().matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));

function setup(limits: Partial<ViewerLimits> = {}, lastSeq = -1) {
  let now = 1_000;
  const log = { written: [] as string[], skipped: 0, behind: 0, dropped: [] as DropReason[], closed: 0 };
  const sink = new StalledSink();
  const viewer = new Viewer(
    sink,
    { skipBytes: 100, maxBytes: 300, stallMs: 5_000, ...limits },
    {
      written: (f) => log.written.push(f.kind === 'snapshot' ? `snapshot#${(f as SnapshotFrame).seq}` : f.kind),
      skipped: () => (log.skipped += 1),
      behind: () => (log.behind += 1),
      dropped: (r) => log.dropped.push(r),
      closed: () => (log.closed += 1),
    },
    lastSeq,
    () => now,
  );
  return { sink, viewer, log, advance: (ms: number) => (now += ms) };
}

describe('Viewer backpressure', () => {
  test('writes snapshots at once while the buffer is under the skip threshold', async () => {
    const { sink, viewer, log } = setup();
    expect(viewer.sendSnapshot(snapshot(1))).toBe('written');
    expect(viewer.sendSnapshot(snapshot(2))).toBe('written');
    await sink.release();
    expect(ids(sink)).toEqual([1, 2]);
    expect(log.written).toEqual([]); // a broadcast's writes are counted by the broadcast, once
  });

  test('never writes a seq it already sent, an older one, or one not newer than Last-Event-ID', async () => {
    const { sink, viewer } = setup({}, 5);
    expect(viewer.sendSnapshot(snapshot(5))).toBe('stale');
    expect(viewer.sendSnapshot(snapshot(3))).toBe('stale');
    expect(viewer.sendSnapshot(snapshot(6))).toBe('written');
    expect(viewer.sendSnapshot(snapshot(6))).toBe('stale');
    await sink.release();
    expect(ids(sink)).toEqual([6]);
  });

  test('a viewer behind is skipped forward: only the latest held snapshot is written when it drains', async () => {
    const { sink, viewer, log } = setup({ skipBytes: 100 });
    expect(viewer.sendSnapshot(snapshot(1, 150))).toBe('written'); // buffer now over 100 bytes
    expect(viewer.sendSnapshot(snapshot(2, 150))).toBe('deferred');
    expect(viewer.sendSnapshot(snapshot(3, 150))).toBe('deferred'); // replaces 2: 2 is skipped
    expect(viewer.sendSnapshot(snapshot(4, 150))).toBe('deferred'); // replaces 3
    expect(log.skipped).toBe(2);
    expect(sink.writableLength).toBeLessThan(100 + 200); // one snapshot, never the backlog
    expect(viewer.seq).toBe(4);
    expect(viewer.sendSnapshot(snapshot(3))).toBe('stale'); // older than the one held

    expect(log.behind).toBe(1); // reported once, however long it stays behind
    await sink.release(); // drain: the held snapshot goes out, a write of the viewer's own
    expect(log.written).toEqual(['snapshot#4']);
    await sink.release();
    expect(ids(sink)).toEqual([1, 4]);
  });

  test('buffered bytes stay under skip threshold + one snapshot however many are published', () => {
    const { sink, viewer, log } = setup({ skipBytes: 1_000, stallMs: 1e9 });
    let maxBuffered = 0;
    for (let seq = 1; seq <= 5_000; seq++) {
      viewer.sendSnapshot(snapshot(seq, 200));
      maxBuffered = Math.max(maxBuffered, sink.writableLength);
    }
    expect(maxBuffered).toBeLessThan(1_000 + 250);
    expect(log.skipped).toBeGreaterThan(4_900);
    expect(log.dropped).toEqual([]);
  });

  test('an event that cannot be skipped disconnects the viewer rather than pass maxBytes', () => {
    const { sink, viewer, log } = setup({ skipBytes: 100, maxBytes: 300 });
    expect(viewer.send(frame('answer-result', 'a'.repeat(200)))).toBe(true);
    expect(viewer.send(frame('answer-result', 'b'.repeat(200)))).toBe(false);
    expect(log.dropped).toEqual(['buffer_limit']);
    expect(viewer.isClosed).toBe(true);
    expect(sink.destroyed).toBe(true);
    expect(log.closed).toBe(1);
    expect(viewer.send(frame('answer-result', 'c'))).toBe(false);
    expect(viewer.sendSnapshot(snapshot(1))).toBe('closed');
  });

  test('a viewer that stays behind for stallMs is disconnected and counted', () => {
    const { viewer, log, advance } = setup({ skipBytes: 100, stallMs: 5_000 });
    viewer.sendSnapshot(snapshot(1, 150));
    viewer.sendSnapshot(snapshot(2, 150)); // behind from now
    advance(4_000);
    viewer.tick(frame('heartbeat', ':\n\n'), 15_000);
    expect(viewer.isClosed).toBe(false);
    advance(1_000);
    viewer.tick(frame('heartbeat', ':\n\n'), 15_000);
    expect(viewer.isClosed).toBe(true);
    expect(log.dropped).toEqual(['stalled']);
  });

  test('a viewer that catches up is no longer counted as behind', async () => {
    const { sink, viewer, log, advance } = setup({ skipBytes: 100, stallMs: 5_000 });
    viewer.sendSnapshot(snapshot(1, 150));
    viewer.sendSnapshot(snapshot(2, 150));
    advance(4_000);
    await sink.release();
    await sink.release();
    advance(4_000);
    viewer.tick(frame('heartbeat', ':\n\n'), 15_000);
    expect(viewer.isClosed).toBe(false);
    expect(log.dropped).toEqual([]);
  });

  test('heartbeats go only to a viewer idle for heartbeatMs with nothing in flight', async () => {
    const { sink, viewer, log, advance } = setup();
    viewer.sendSnapshot(snapshot(1));
    advance(14_000);
    viewer.tick(frame('heartbeat', ':\n\n'), 15_000);
    expect(log.written).toEqual([]); // not idle long enough
    advance(1_000);
    viewer.tick(frame('heartbeat', ':\n\n'), 15_000);
    expect(log.written).toEqual([]); // idle, but its bytes are still in flight
    await sink.release();
    viewer.tick(frame('heartbeat', ':\n\n'), 15_000);
    expect(log.written).toEqual(['heartbeat']);
  });

  test('close() ends a viewer that keeps up with the last frame, and destroys one that is behind', async () => {
    const polite = setup();
    polite.viewer.close(frame('retry', 'retry: 1000\n\n'));
    expect(polite.log.written).toEqual(['retry']);
    expect(polite.sink.writableEnded).toBe(true);
    await polite.sink.release();
    expect(polite.sink.text()).toBe('retry: 1000\n\n');

    const stuck = setup({ skipBytes: 100 });
    stuck.viewer.sendSnapshot(snapshot(1, 150));
    stuck.viewer.close(frame('retry', 'retry: 1000\n\n'));
    expect(stuck.sink.destroyed).toBe(true);
    expect(stuck.log.written).toEqual([]); // no retry frame for a viewer that cannot take it
    expect(stuck.log.closed).toBe(1);
  });

  test('the peer going away closes the viewer once', async () => {
    const { sink, viewer, log } = setup();
    sink.destroy();
    await new Promise((r) => setImmediate(r));
    expect(viewer.isClosed).toBe(true);
    expect(log.closed).toBe(1);
    viewer.drop('stalled');
    expect(log.dropped).toEqual([]);
    expect(log.closed).toBe(1);
  });

  test('a sink that is an HTTP/1.1 body gets each frame as one chunk, framing included', async () => {
    const sink = Object.assign(new StalledSink(), { chunked: true });
    const viewer = new Viewer(sink, { skipBytes: 1_000, maxBytes: 10_000, stallMs: 5_000 }, { written: () => undefined, skipped: () => undefined, behind: () => undefined, dropped: () => undefined, closed: () => undefined });
    const s = snapshot(3);
    expect(viewer.sendSnapshot(s)).toBe('written');
    viewer.send(frame('answer-result', 'event: answer-result\ndata: {}\n\n'));
    await sink.release();
    expect(sink.sent[0]).toBe(s.chunked); // the shared buffer itself, in one write
    const event = 'id: 3\ndata: xxxxxxxxxx\n\n';
    expect(sink.text()).toBe(`${event.length.toString(16)}\r\n${event}\r\n1f\r\nevent: answer-result\ndata: {}\n\n\r\n`);
  });
});
