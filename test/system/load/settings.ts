// Sizes of a run. The full run is sized for a 2-core machine and about 15 minutes; --smoke keeps
// every section but shrinks it to seconds, to prove the bench still works (npm test runs it).

export interface BenchSettings {
  mode: 'full' | 'smoke';
  reps: number;
  /**
   * The warm-up before each server's runs answers once for every player (see FULL);
   * saturationConnections: the client concurrencies tried, a server's saturation rate the highest it reached among them.
   */
  ingest: { players: number; questions: number; durationS: number; fixedRate: number; fixedConnections: number; saturationConnections: number[] };
  /** closePlayers: players of the onClose quiz whose results one close releases (each with me/stream open). */
  e2e: { players: number; questions: number; targetRate: number; durationS: number; personalStreams: number; senders: number; closePlayers: number };
  fanOut: { steps: number[]; stopOnFail: boolean; snapshotsPerS: number; measureS: number; entries: number; stepDeadlineMs: number; sectionBudgetMs: number; workers: number; cpuProfDir?: string; noPeer?: boolean; compareDir?: string };
  scoring: { players: number; questions: number };
  scale: { players: number; samples: number; concurrency: number };
  /** spreadMs: every player answers within this long after the open; sockets: keep-alive connections of the players; warmUps: unmeasured bursts first. */
  burst: { quizzes: number; players: number; spreadMs: number; sockets: number; scoreTimeoutMs: number; warmUps: number };
}

export const FULL: BenchSettings = {
  mode: 'full',
  reps: 3,
  // The warm-up answers once for every player, so a fresh ingest has verified (and cached) each
  // player's token before it is measured, as one that has been up for a while has: with 500, about
  // 2,000 first verifications (~55 µs of CPU each) fell into every saturation run, and V8 was still
  // compiling the answer path there.
  // Saturation is the highest rate over three client concurrencies, for ingest and the bare server
  // alike: at 100 connections alone ingest waited on its Redis and Kafka round trips with a fifth of
  // the machine idle (README, Performance, 2026-12-04 late), a rate the client's concurrency set, not
  // the server. 1,200,000 distinct (player, question) pairs (a quiz has at most 100 questions): three
  // repetitions with --before use about 1,100,000 at 10,000-12,000 answers/s; past the last pair
  // ingest answers 409s, which measure nothing (the report counts them).
  ingest: { players: 12_000, questions: 100, durationS: 5, fixedRate: 500, fixedConnections: 100, saturationConnections: [100, 200, 400] },
  // Each of three runs gets 19 questions: 3,000 players give 57,000 pairs a run, more than 8 s at
  // 6,000/s offers (1,000 players ran out at ~2,400 accepted/s, and the run after answered 409s).
  e2e: { players: 3_000, questions: 60, targetRate: 6_000, durationS: 8, personalStreams: 100, senders: 200, closePlayers: 2_000 },
  fanOut: {
    // Steps past the open-files hard limit (20,000 here) are skipped and the report says so.
    steps: [1_000, 2_000, 3_000, 5_000, 7_500, 10_000, 12_500, 15_000, 17_500, 19_000, 30_000, 50_000],
    stopOnFail: true,
    snapshotsPerS: 2,
    measureS: 4,
    entries: 100,
    stepDeadlineMs: 45_000,
    sectionBudgetMs: 600_000,
    workers: 4,
  },
  // 100,000 answers: a 20,000 backlog was scored in under 2 s, mostly before the code was optimized (10.7–11.1k/s against 14.4–14.5k/s here).
  scoring: { players: 5_000, questions: 20 },
  scale: { players: 1_000_000, samples: 2_000, concurrency: 16 },
  burst: { quizzes: 3, players: 2_000, spreadMs: 1_000, sockets: 1_000, scoreTimeoutMs: 120_000, warmUps: 2 },
};

export const SMOKE: BenchSettings = {
  mode: 'smoke',
  reps: 1,
  ingest: { players: 20, questions: 10, durationS: 1, fixedRate: 50, fixedConnections: 4, saturationConnections: [4, 8] },
  e2e: { players: 20, questions: 10, targetRate: 100, durationS: 1, personalStreams: 5, senders: 8, closePlayers: 20 },
  fanOut: { steps: [30], stopOnFail: true, snapshotsPerS: 2, measureS: 1, entries: 100, stepDeadlineMs: 8_000, sectionBudgetMs: 15_000, workers: 1 },
  // Several processor chunks (BATCH_MAX_MESSAGES, 5,000 by default): a backlog scored within one
  // chunk gives no rate (2,000 answers did, in a CI rehearsal, once chunks grew from 500).
  scoring: { players: 1_000, questions: 20 },
  scale: { players: 2_000, samples: 50, concurrency: 4 },
  burst: { quizzes: 2, players: 20, spreadMs: 200, sockets: 20, scoreTimeoutMs: 60_000, warmUps: 1 },
};
