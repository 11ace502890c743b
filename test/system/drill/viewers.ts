import { connectSse, type SseConnection } from '../../helpers/sse-client';
import { sleep } from './http-client';

// Spectators on the leaderboard stream. Each one behaves like a browser's EventSource behind a
// load balancer: when its stream ends or breaks it reconnects, to the next push instance in the
// list, sending Last-Event-ID. Every snapshot it receives is recorded with the time it arrived,
// and a viewer checks for itself that ids only ever increase (invariant 5).

export interface SeenSnapshot {
  at: number;
  seq: number;
  answers: number;
  players: number;
  entries: Array<{ rank: number; playerId: string; displayName: string; score: number }>;
}

export class Viewer {
  readonly snapshots: SeenSnapshot[] = [];
  /** Raw frames (data and comments), for the security scan. */
  readonly frames: string[] = [];
  readonly reconnects: Array<{ lostAt: number; backAt: number; lastEventId: string; pushUrl: string }> = [];
  backwards = 0;
  private lastSeq = 0;
  private lastId = '';
  private conn: SseConnection | undefined;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private next: number;

  constructor(
    readonly quizId: string,
    private readonly pushUrls: () => string[],
    startAt: number,
  ) {
    this.next = startAt;
  }

  /** When the viewer started watching: staleness counts from here, snapshots or not. */
  startedAt = 0;

  start(): void {
    this.startedAt = Date.now();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.conn?.close();
    await this.loop;
  }

  get latest(): SeenSnapshot | undefined {
    return this.snapshots[this.snapshots.length - 1];
  }

  private async run(): Promise<void> {
    let lostAt: number | undefined;
    while (!this.stopped) {
      const urls = this.pushUrls();
      const base = urls[this.next % urls.length]!;
      this.next++;
      const headers: Record<string, string> = this.lastId ? { 'Last-Event-ID': this.lastId } : {};
      let conn: SseConnection;
      try {
        conn = await connectSse(`${base}/v1/quizzes/${this.quizId}/leaderboard/stream`, { headers, timeoutMs: 5_000 });
      } catch (err) {
        // Instance down (connection refused): like EventSource, wait and try again elsewhere.
        this.frames.push(`connect error: ${(err as Error).message}`);
        lostAt ??= Date.now();
        await sleep(300);
        continue;
      }
      if (conn.status !== 200) {
        this.frames.push(await conn.body());
        lostAt ??= Date.now();
        await sleep(500);
        continue;
      }
      if (lostAt !== undefined) {
        this.reconnects.push({ lostAt, backAt: Date.now(), lastEventId: this.lastId, pushUrl: base });
        lostAt = undefined;
      }
      this.conn = conn;
      let seen = 0;
      const consume = () => {
        for (; seen < conn.events.length; seen++) {
          const e = conn.events[seen]!;
          this.frames.push(e.data);
          if (e.event !== 'snapshot') continue;
          const s = JSON.parse(e.data) as Omit<SeenSnapshot, 'at'>;
          if (s.seq <= this.lastSeq) this.backwards++;
          this.lastSeq = Math.max(this.lastSeq, s.seq);
          this.lastId = e.id;
          this.snapshots.push({ at: Date.now(), seq: s.seq, answers: s.answers, players: s.players, entries: s.entries });
        }
      };
      // The parser fills conn.events as data arrives; poll it (cheap) until the stream ends.
      let ended = false;
      void conn.ended.then(() => (ended = true));
      while (!ended && !this.stopped) {
        consume();
        await sleep(50);
      }
      consume();
      for (const c of conn.parser.comments) this.frames.push(`:${c}`);
      conn.parser.comments.length = 0;
      if (!this.stopped) {
        lostAt = Date.now();
        await sleep(conn.parser.retryMs !== undefined ? Math.min(conn.parser.retryMs, 3_000) : 1_000);
      }
    }
  }
}
