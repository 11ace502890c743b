import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DropReason } from './viewer';

export type StreamKind = 'leaderboard' | 'personal';

/** Counters bound to their labels once; a broadcast adds its writes in one call, not one per viewer. */
export interface StreamCounters {
  /** `frames` frames of `kind` written, `bytes` bytes in all. */
  written(kind: string, frames: number, bytes: number): void;
  skipped(): void;
  dropped(reason: DropReason): void;
}

export class PushMetrics {
  readonly connections: Gauge<'stream'>;
  readonly connectionsRejected: Counter<'reason'>;
  readonly eventsSent: Counter<'stream' | 'event'>;
  readonly bytesSent: Counter<'stream'>;
  readonly skipped: Counter<'stream'>;
  readonly dropped: Counter<'stream' | 'reason'>;
  readonly snapshotDelay: Histogram;
  readonly kafkaMessages: Counter<'type' | 'result'>;
  readonly bufferedBytes: Gauge;
  private readonly bound = new Map<StreamKind, StreamCounters>();

  constructor(registry: Registry, bufferedBytes: () => number) {
    this.connections = new Gauge({
      name: 'push_open_connections',
      help: 'Open SSE connections by stream kind (leaderboard, personal)',
      labelNames: ['stream'],
      registers: [registry],
    });
    this.connectionsRejected = new Counter({
      name: 'push_connections_rejected_total',
      help: 'SSE connections refused: connection_limit and memory_limit (503), address_limit (429, one client address holds too many), shutting_down (503)',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.eventsSent = new Counter({
      name: 'push_events_sent_total',
      help: 'Frames written to viewers by stream kind and event (snapshot, answer-received, answer-result, question-opened, question-closed, heartbeat, hello, retry)',
      labelNames: ['stream', 'event'],
      registers: [registry],
    });
    this.bytesSent = new Counter({
      name: 'push_bytes_sent_total',
      help: 'Bytes written to viewers by stream kind',
      labelNames: ['stream'],
      registers: [registry],
    });
    this.skipped = new Counter({
      name: 'push_snapshots_skipped_total',
      help: 'Snapshots a slow viewer never got because a newer one replaced it while its buffer was full',
      labelNames: ['stream'],
      registers: [registry],
    });
    this.dropped = new Counter({
      name: 'push_viewers_dropped_total',
      help: 'Viewers disconnected by the server: stalled (buffer not drained in time) or buffer_limit (unskippable events would pass the limit)',
      labelNames: ['stream', 'reason'],
      registers: [registry],
    });
    this.snapshotDelay = new Histogram({
      name: 'push_snapshot_publish_to_write_seconds',
      help: 'From a snapshot being created by a processor (createdAt) to its broadcast to this instance\'s viewers',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.kafkaMessages = new Counter({
      name: 'push_kafka_messages_total',
      help: 'Messages read from quiz.snapshots and quiz.results by record type and outcome (delivered, no_viewers, stale, undecodable, ignored)',
      labelNames: ['type', 'result'],
      registers: [registry],
    });
    this.bufferedBytes = new Gauge({
      name: 'push_buffered_bytes',
      help: 'Bytes written to viewers but not yet sent, summed over all open streams (bounded per viewer by PUSH_VIEWER_SKIP_BYTES / PUSH_VIEWER_MAX_BYTES)',
      registers: [registry],
      collect() {
        this.set(bufferedBytes());
      },
    });
  }

  forStream(stream: StreamKind): StreamCounters {
    let counters = this.bound.get(stream);
    if (!counters) {
      const bytes = this.bytesSent.labels(stream);
      const skipped = this.skipped.labels(stream);
      const events = new Map<string, Counter.Internal>();
      counters = {
        written: (kind, frames, byteCount) => {
          let child = events.get(kind);
          if (!child) {
            child = this.eventsSent.labels(stream, kind);
            events.set(kind, child);
          }
          child.inc(frames);
          bytes.inc(byteCount);
        },
        skipped: () => skipped.inc(),
        dropped: (reason) => this.dropped.inc({ stream, reason }),
      };
      this.bound.set(stream, counters);
    }
    return counters;
  }
}
