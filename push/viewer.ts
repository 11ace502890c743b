import type { ViewerLimits } from './options';

/**
 * What a viewer writes to: the response's socket in production (stream-routes.ts), any Writable in
 * unit tests.
 */
export interface SseSink {
  write(chunk: Buffer): boolean;
  /** Bytes accepted by write() but not yet handed to the kernel. */
  readonly writableLength: number;
  readonly destroyed: boolean;
  /**
   * true: the sink is an HTTP/1.1 response body written straight to its socket, so each frame goes
   * out already chunk-framed (Frame.chunked); absent or false: bare events (Frame.bytes).
   */
  readonly chunked?: boolean;
  end(): unknown;
  destroy(): unknown;
  on(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Bytes ready to write, built once (sse-frames.ts sseFrame) and shared by every viewer that gets them. */
export interface Frame {
  /** Metric label: the SSE event name, or "heartbeat", "hello", "retry". */
  kind: string;
  /** The SSE event itself. */
  bytes: Buffer;
  /** The same event as one HTTP/1.1 chunk (size line, event, CRLF); `bytes` is a view into it. */
  chunked: Buffer;
}

export interface SnapshotFrame extends Frame {
  seq: number;
  /** When the processor made the snapshot (epoch ms), if known; for the publish-to-write delay. */
  createdAt?: number;
}

export type DropReason = 'stalled' | 'buffer_limit';

/**
 * How a viewer reports what happened to it; the hub turns these into metrics. Frames a caller
 * hands over (a broadcast, an event) are counted by the caller, once per broadcast: the viewer
 * reports only the writes it makes on its own (a held snapshot once it drains, a heartbeat, the
 * last frame on close).
 */
export interface ViewerObserver {
  written(frame: Frame): void;
  /** A snapshot this viewer will never get: a newer one replaced it while the viewer was behind. */
  skipped(): void;
  /** The viewer has `skipBytes` or more unsent: it needs tick() until it catches up or stalls. */
  behind(viewer: Viewer): void;
  dropped(reason: DropReason): void;
  closed(viewer: Viewer): void;
}

export type SnapshotOutcome = 'written' | 'deferred' | 'stale' | 'closed';

/**
 * One SSE connection and its backpressure policy. Writes go straight to the socket while it keeps
 * up. A snapshot that finds more than `skipBytes` still unsent is held instead, and a newer one
 * replaces it (only the latest ranking matters), so a slow viewer costs at most `skipBytes` plus
 * one shared snapshot. Events that must not be skipped are written unless that would pass
 * `maxBytes`, which disconnects the viewer. A viewer that stays behind for `stallMs` is
 * disconnected too, so a dead peer that never reads does not hold its buffer forever.
 */
export class Viewer {
  private lastSeq: number;
  private pending: SnapshotFrame | undefined;
  private behindSince: number | undefined;
  private lastWriteAt: number;
  private done = false;
  private readonly chunked: boolean;

  constructor(
    private readonly sink: SseSink,
    private readonly limits: ViewerLimits,
    private readonly observer: ViewerObserver,
    /** The highest snapshot seq the client already has (Last-Event-ID); -1 for none. */
    lastSeq = -1,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSeq = lastSeq;
    this.lastWriteAt = now();
    this.chunked = sink.chunked === true;
    sink.on('drain', () => this.onDrain());
    sink.on('close', () => this.finish());
  }

  get isClosed(): boolean {
    return this.done;
  }

  /** Highest seq written or held for this viewer. */
  get seq(): number {
    return Math.max(this.lastSeq, this.pending?.seq ?? -1);
  }

  /** Still has `skipBytes` or more unsent since it last fell behind. */
  get isBehind(): boolean {
    return this.behindSince !== undefined;
  }

  get bufferedBytes(): number {
    return this.done ? 0 : this.sink.writableLength;
  }

  /**
   * Writes a snapshot unless the viewer already has it or a newer one (ids only increase per
   * viewer). 'written' is the caller's to count: a broadcast counts its writes once.
   */
  sendSnapshot(snapshot: SnapshotFrame): SnapshotOutcome {
    if (this.done) return 'closed';
    if (snapshot.seq <= this.lastSeq || (this.pending !== undefined && snapshot.seq <= this.pending.seq)) return 'stale';
    if (this.sink.writableLength >= this.limits.skipBytes) {
      if (this.pending) this.observer.skipped();
      this.pending = snapshot;
      this.markBehind();
      return this.checkStalled() ? 'closed' : 'deferred';
    }
    this.lastSeq = snapshot.seq;
    this.lastWriteAt = this.now();
    this.sink.write(this.chunked ? snapshot.chunked : snapshot.bytes);
    return 'written';
  }

  /**
   * Writes an event that cannot be replaced by a later one (a player's result, a question event);
   * true when written, which the caller counts.
   */
  send(frame: Frame): boolean {
    if (this.done) return false;
    if (this.sink.writableLength + frame.bytes.length > this.limits.maxBytes) {
      this.drop('buffer_limit');
      return false;
    }
    this.lastWriteAt = this.now();
    this.sink.write(this.chunked ? frame.chunked : frame.bytes);
    if (this.sink.writableLength >= this.limits.skipBytes) this.markBehind();
    return !this.checkStalled();
  }

  /**
   * Called every second or so: disconnects a viewer stalled too long, writes a held snapshot if the
   * buffer went down without a 'drain' (one is only emitted after write() returned false), and
   * writes the keep-alive comment to a viewer that has been sent nothing for `heartbeatMs` and has
   * nothing in flight (one with bytes in flight is not idle, and more would only grow its buffer).
   */
  tick(heartbeat: Frame, heartbeatMs: number): void {
    if (this.done || this.checkStalled()) return;
    if (this.sink.writableLength < this.limits.skipBytes) {
      this.behindSince = undefined;
      this.flushPending();
    }
    if (this.sink.writableLength === 0 && this.now() - this.lastWriteAt >= heartbeatMs) this.write(heartbeat);
  }

  /** Ends the stream politely: the last frame (a retry hint) is written if the viewer can still take it. */
  close(last?: Frame): void {
    if (this.done) return;
    if (this.sink.writableLength >= this.limits.skipBytes) {
      // It cannot take more and would keep the connection open until its buffer drains.
      this.sink.destroy();
    } else {
      if (last) this.write(last);
      this.sink.end();
    }
    this.finish();
  }

  drop(reason: DropReason): void {
    if (this.done) return;
    this.observer.dropped(reason);
    // destroy(), not end(): end() would wait for the buffered bytes the peer is not reading.
    this.sink.destroy();
    this.finish();
  }

  private onDrain(): void {
    if (this.done) return;
    this.behindSince = undefined;
    this.flushPending();
  }

  private flushPending(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    this.writeSnapshot(pending);
  }

  private writeSnapshot(snapshot: SnapshotFrame): void {
    this.lastSeq = snapshot.seq;
    this.write(snapshot);
  }

  /** A write of the viewer's own accord, so it reports it (see ViewerObserver). */
  private write(frame: Frame): void {
    this.lastWriteAt = this.now();
    this.sink.write(this.chunked ? frame.chunked : frame.bytes);
    this.observer.written(frame);
  }

  private markBehind(): void {
    if (this.behindSince !== undefined) return;
    this.behindSince = this.now();
    this.observer.behind(this);
  }

  private checkStalled(): boolean {
    if (this.behindSince !== undefined && this.now() - this.behindSince >= this.limits.stallMs) {
      this.drop('stalled');
      return true;
    }
    return false;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.pending = undefined;
    this.observer.closed(this);
  }
}
