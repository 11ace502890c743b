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

export function topicSpecs(prefix: string, partitions: number): TopicSpec[] {
  const t = topicNames(prefix);
  return [
    { name: t.quizEvents, partitions, config: { 'retention.ms': WEEK_MS, 'min.insync.replicas': '1' } },
    { name: t.results, partitions, config: { 'retention.ms': WEEK_MS } },
    { name: t.snapshots, partitions, config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '60000' } },
    { name: t.deadLetter, partitions: 1, config: { 'retention.ms': String(30 * 24 * 3600 * 1000) } },
  ];
}
