// Topic names and shapes. Everything about one quiz shares the key quizId on QUIZ_EVENTS, so one
// partition sees a quiz's joins, question opens/closes and answers in the order ingest accepted them.

export interface TopicSpec {
  name: string;
  partitions: number;
  config: Record<string, string>;
}

export interface Topics {
  quizEvents: string;
  results: string;
  snapshots: string;
  deadLetter: string;
}

export function topicNames(prefix = ''): Topics {
  return {
    quizEvents: `${prefix}quiz.events`, // input: joins, question open/close, answers, quiz close
    results: `${prefix}quiz.results`, // output: scored answers and question open/reveal, for personal streams
    snapshots: `${prefix}quiz.snapshots`, // output: ranking snapshots, compacted to the latest per quiz
    deadLetter: `${prefix}quiz.dead-letter`, // messages that could not be decoded or applied
  };
}

const WEEK_MS = String(7 * 24 * 3600 * 1000);

export interface TopicReplication {
  /** Copies of each partition. */
  replicationFactor: number;
  /** Copies an acks=all write must reach before it is acknowledged. */
  minInsyncReplicas: number;
}

const SINGLE_NODE: TopicReplication = { replicationFactor: 1, minInsyncReplicas: 1 };

export function topicSpecs(prefix: string, partitions: number, replication: TopicReplication = SINGLE_NODE): TopicSpec[] {
  const t = topicNames(prefix);
  // Every topic gets the same durability: a 202 rests on quiz.events, and the outputs feed viewers and analytics.
  const isr = { 'min.insync.replicas': String(replication.minInsyncReplicas) };
  return [
    { name: t.quizEvents, partitions, config: { 'retention.ms': WEEK_MS, ...isr } },
    { name: t.results, partitions, config: { 'retention.ms': WEEK_MS, ...isr } },
    { name: t.snapshots, partitions, config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '60000', ...isr } },
    { name: t.deadLetter, partitions: 1, config: { 'retention.ms': String(30 * 24 * 3600 * 1000), ...isr } },
  ];
}
