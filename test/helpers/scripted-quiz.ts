import type { ClickHouseClient } from '@clickhouse/client';
import { Partitioners, type Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { Config } from '../../common/config';
import type { AnswerScored, DecodedEvent, EventMap, EventType, LeaderboardSnapshot } from '../../common/messages/events';
import { createKafka } from '../../common/kafka';
import { createMetricsRegistry } from '../../common/metrics';
import { stringLiteral } from '../../infra/analytics/sql-literal';
import { EventCodec } from '../../common/codec';
import { createSinkApp, type SinkApp } from '../../sink/app';
import { buildSinkDeps } from '../../sink/deps';
import { loadSinkOptions, type SinkOptions } from '../../sink/options';
import type { TopicRole } from '../../sink/rows';
import { onCleanup } from './cleanup';
import { uniqueId } from './ids';
import { createTestTopics, testConfig, testLog } from './stack';

// A quiz played out as the Kafka records ingest and the processors would write (that is the
// sink's contract), with the numbers every report must show for it worked out by hand below.

/** A minute boundary in the past, so the throughput report's minutes are known exactly. */
export const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);
export const MINUTE0 = '2026-01-15 10:00:00';
export const MINUTE1 = '2026-01-15 10:01:00';

export interface TestStack {
  prefix: string;
  codec: EventCodec;
  config: Config;
  producer: Producer;
}

/** This test file's own topics, schemas registered under them, and a producer; all cleaned up. */
export async function testStack(): Promise<TestStack> {
  const prefix = await createTestTopics(3);
  const codec = new EventCodec(testConfig.registry.url, prefix);
  await codec.registerAll();
  const producer = createKafka(testConfig.kafka, testLog, '-sink-test').producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  onCleanup(() => producer.disconnect());
  return { prefix, codec, producer, config: { ...testConfig, kafka: { ...testConfig.kafka, topicPrefix: prefix } } };
}

export async function send<K extends EventType>(s: TestStack, topic: string, quizId: string, type: K, payload: EventMap[K]): Promise<void> {
  await s.producer.send({ topic, messages: [{ key: quizId, value: await s.codec.encode(topic, type, payload) }] });
}

/** Starts a sink in this process; stopped at cleanup if the test did not stop it. */
/** A sink running in the test process, with the registry its metrics go to. */
export type TestSink = SinkApp & { registry: Registry };

export async function startSink(config: Config, overrides: Partial<SinkOptions> = {}): Promise<TestSink> {
  const options: SinkOptions = { ...loadSinkOptions({}), groupId: uniqueId('sink-test'), retryInitialMs: 100, retryMaxMs: 500, ...overrides };
  const deps = buildSinkDeps(config, options, testLog, createMetricsRegistry('clickhouse-sink-test'));
  const built: TestSink = { ...createSinkApp(deps), registry: deps.metricsRegistry };
  await built.sink.start();
  onCleanup(() => built.stop());
  return built;
}

interface ScriptedAnswer {
  question: string;
  player: string;
  choice: string;
  correct: boolean;
  late: boolean;
  /** From question open to acceptance. */
  latencyMs: number;
  /** From acceptance to scoring: the pipeline latency. */
  pipelineMs: number;
}

const OPENED: Record<string, number> = { q1: T0, q2: T0 + 30_000, q3: T0 + 70_000 };
const PLAYERS = ['p1', 'p2', 'p3', 'p4']; // p4 joins and never answers
const QUESTIONS = ['q1', 'q2', 'q3'];

const ANSWERS: ScriptedAnswer[] = [
  { question: 'q1', player: 'p1', choice: 'b', correct: true, late: false, latencyMs: 1_000, pipelineMs: 20 },
  { question: 'q1', player: 'p2', choice: 'a', correct: false, late: false, latencyMs: 2_000, pipelineMs: 30 },
  { question: 'q1', player: 'p3', choice: 'b', correct: true, late: false, latencyMs: 4_000, pipelineMs: 40 },
  { question: 'q2', player: 'p1', choice: 'b', correct: true, late: false, latencyMs: 1_500, pipelineMs: 50 },
  { question: 'q2', player: 'p2', choice: 'b', correct: true, late: false, latencyMs: 500, pipelineMs: 60 },
  { question: 'q2', player: 'p3', choice: 'c', correct: false, late: true, latencyMs: 25_000, pipelineMs: 500 },
  { question: 'q3', player: 'p1', choice: 'a', correct: true, late: false, latencyMs: 3_000, pipelineMs: 80 },
];

/** Kahoot's rule, as the processors score it; only the totals' maximum matters to the reports. */
function points(a: ScriptedAnswer): number {
  return a.correct && !a.late ? Math.round(1000 * (1 - a.latencyMs / 20_000 / 2)) : 0;
}

export interface ScriptedCounts {
  answers: number;
  quizEvents: number;
  snapshots: number;
}

/** One Kafka record of the script, named by the sink's role for its topic (see sink/rows.ts). */
export interface ScriptedRecord {
  role: TopicRole;
  event: DecodedEvent;
}

/**
 * The whole quiz, in the order it is written: joins, opens, answers (submitted on quiz.events,
 * scored on quiz.results), closes, snapshots, plus records the sink must skip.
 */
export function scriptedRecords(quizId: string): ScriptedRecord[] {
  const records: ScriptedRecord[] = [];
  const add = (role: TopicRole, event: DecodedEvent) => records.push({ role, event });
  const ev = (name: string) => `${quizId}-${name}`;
  for (const [i, p] of PLAYERS.entries()) {
    add('events', { type: 'PlayerJoined', payload: { eventId: ev(`join-${p}`), quizId, playerId: p, displayName: `Player ${p}`, joinedAt: T0 - 10_000 + i } });
  }
  const totals = new Map<string, number>();
  let seq = 0;
  const snapshots: LeaderboardSnapshot[] = [];
  for (const q of QUESTIONS) {
    const opened = {
      eventId: ev(`open-${q}`),
      quizId,
      questionId: q,
      prompt: `Question ${q}?`,
      choices: [
        { id: 'a', text: 'Alpha' },
        { id: 'b', text: 'Bravo' },
        { id: 'c', text: 'Charlie' },
      ],
      points: 1000,
      timeLimitMs: 20_000,
      openedAt: OPENED[q]!,
      closesAt: OPENED[q]! + 20_000,
    };
    add('events', { type: 'QuestionOpened', payload: opened });
    add('results', { type: 'QuestionOpened', payload: opened }); // relayed by the processors: not stored
    for (const a of ANSWERS.filter((x) => x.question === q)) {
      const answerId = ev(`answer-${q}-${a.player}`);
      const acceptedAt = OPENED[q]! + a.latencyMs;
      add('events', { type: 'AnswerSubmitted', payload: { answerId, quizId, questionId: q, playerId: a.player, choiceId: a.choice, acceptedAt } });
      const total = (totals.get(a.player) ?? 0) + points(a);
      totals.set(a.player, total);
      const scored: AnswerScored = {
        answerId,
        quizId,
        questionId: q,
        playerId: a.player,
        choiceId: a.choice,
        correct: a.correct,
        late: a.late,
        points: points(a),
        total,
        rank: 1,
        latencyMs: a.latencyMs,
        acceptedAt,
        scoredAt: acceptedAt + a.pipelineMs,
      };
      add('results', { type: 'AnswerScored', payload: scored });
    }
    add('events', { type: 'QuestionClosed', payload: { eventId: ev(`close-${q}`), quizId, questionId: q, closedAt: OPENED[q]! + 20_000 } });
    add('results', { type: 'QuestionRevealed', payload: { quizId, questionId: q, correct: ['b'], counts: { a: 1 }, closedAt: OPENED[q]! + 20_000 } });
    const entries = [...totals.entries()]
      .sort((x, y) => y[1] - x[1])
      .map(([playerId, score], i) => ({ rank: i + 1, playerId, displayName: `Player ${playerId}`, score }));
    snapshots.push({ quizId, seq: ++seq, players: PLAYERS.length, answers: ANSWERS.filter((x) => OPENED[x.question]! <= OPENED[q]!).length, entries, createdAt: OPENED[q]! + 20_500 });
  }
  for (const snap of snapshots) add('snapshots', { type: 'LeaderboardSnapshot', payload: snap });
  add('events', { type: 'QuizClosed', payload: { eventId: ev('quiz-closed'), quizId, closedAt: T0 + 120_000 } });
  return records;
}

/** How many rows each table gets from the script: joins, opens, closes and the quiz's close; one snapshot per question. */
export const SCRIPTED_COUNTS: ScriptedCounts = { answers: ANSWERS.length, quizEvents: PLAYERS.length + 2 * QUESTIONS.length + 1, snapshots: QUESTIONS.length };

/** Writes the scripted quiz to this test's topics, as ingest and the processors would. Returns the rows each table should get. */
export async function playScriptedQuiz(s: TestStack, quizId: string): Promise<ScriptedCounts> {
  const topicOf: Record<TopicRole, string> = { events: s.codec.topics.quizEvents, results: s.codec.topics.results, snapshots: s.codec.topics.snapshots };
  for (const { role, event } of scriptedRecords(quizId)) {
    // `as never`: an event's type and payload belong together, which TypeScript cannot follow through the union.
    await s.producer.send({ topic: topicOf[role], messages: [{ key: quizId, value: await s.codec.encode(topicOf[role], event.type, event.payload as never) }] });
  }
  return SCRIPTED_COUNTS;
}

export const TOP_SCORE = Math.max(
  ...PLAYERS.map((p) => ANSWERS.filter((a) => a.player === p).reduce((sum, a) => sum + points(a), 0)),
);

/** What each report shows for the scripted quiz, worked out from the script above by hand. */
export function expectedReports(quizId: string) {
  return {
    questions: [
      // q1: 3 of 4 joined answered; b correct twice; latencies 1000, 2000, 4000.
      { quiz_id: quizId, question_id: 'q1', answers: 3, answered_pct: 75, correct: 2, correct_pct: 66.7, late: 0, p50_ms: 2_000, p90_ms: 4_000, p99_ms: 4_000, choices: 'a=1 b=2' },
      // q2: one late (wrong) answer at 25 s; latencies 500, 1500, 25000.
      { quiz_id: quizId, question_id: 'q2', answers: 3, answered_pct: 75, correct: 2, correct_pct: 66.7, late: 1, p50_ms: 1_500, p90_ms: 25_000, p99_ms: 25_000, choices: 'b=2 c=1' },
      { quiz_id: quizId, question_id: 'q3', answers: 1, answered_pct: 25, correct: 1, correct_pct: 100, late: 0, p50_ms: 3_000, p90_ms: 3_000, p99_ms: 3_000, choices: 'a=1' },
    ],
    quizzes: [
      {
        quiz_id: quizId,
        questions: 3,
        players_joined: 4,
        players_answered: 3,
        players_completed: 1,
        completed_pct: 25,
        answers: 7,
        correct_pct: 71.4,
        top_score: TOP_SCORE,
        started_at: MINUTE0,
        closed_at: '2026-01-15 10:02:00',
      },
    ],
    funnel: [
      { quiz_id: quizId, answered_at_least: 0, players: 4, pct: 100 },
      { quiz_id: quizId, answered_at_least: 1, players: 3, pct: 75 },
      { quiz_id: quizId, answered_at_least: 2, players: 3, pct: 75 },
      { quiz_id: quizId, answered_at_least: 3, players: 1, pct: 25 },
    ],
    throughput: [
      // Minute 0: the six answers to q1 and q2, pipeline 20, 30, 40, 50, 60, 500 ms.
      { minute: MINUTE0, answers: 6, answers_per_s: 0.1, p50_ms: 50, p99_ms: 500 },
      // Minute 1: q3's single answer, accepted at 10:01:13.
      { minute: MINUTE1, answers: 1, answers_per_s: 0.02, p50_ms: 80, p99_ms: 80 },
    ],
  };
}

/** Rows a table holds for a quiz, duplicates included (no FINAL): shows what the sink wrote. */
export async function rawCount(ch: ClickHouseClient, table: 'answers' | 'snapshots' | 'quiz_events', quizId: string): Promise<number> {
  const rs = await ch.query({ query: `SELECT count() AS n FROM ${table} WHERE quiz_id = '${quizId}'`, format: 'JSONEachRow' });
  const [row] = await rs.json<{ n: string }>();
  return Number(row?.n ?? 0);
}

/** Polls `check` until true; `what` may be a function, to report the last state seen on timeout. */
export async function waitFor(what: string | (() => string), check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until the sink has written at least `times` copies of every scripted row for the quiz. */
export async function waitForRows(ch: ClickHouseClient, quizId: string, counts: ScriptedCounts, times = 1): Promise<void> {
  await waitFor(`${times}x the scripted rows of ${quizId}`, async () => {
    const [a, e, s] = await Promise.all([rawCount(ch, 'answers', quizId), rawCount(ch, 'quiz_events', quizId), rawCount(ch, 'snapshots', quizId)]);
    return a >= counts.answers * times && e >= counts.quizEvents * times && s >= counts.snapshots * times;
  });
}

/** The sum of a sink metric's samples, optionally only those with the given labels. */
export async function counterTotal(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

/**
 * Waits until this sink has inserted at least `counts` rows into each table. Raw table counts
 * cannot tell: a background merge of the ReplacingMergeTree may already have collapsed duplicates.
 */
export async function waitForInserted(sink: TestSink, counts: ScriptedCounts): Promise<void> {
  const inserted = (table: string) => counterTotal(sink.registry, 'quizstream_sink_rows_inserted_total', { table });
  await waitFor('the sink to insert the scripted rows', async () =>
    (await inserted('answers')) >= counts.answers && (await inserted('quiz_events')) >= counts.quizEvents && (await inserted('snapshots')) >= counts.snapshots,
  );
}

/** Every table holding rows of a quiz: the base tables and the rollups (infra/clickhouse/README.md). */
const QUIZ_TABLES = ['answers', 'snapshots', 'quiz_events', 'question_stats', 'question_choices', 'quiz_stats', 'player_progress', 'throughput_minute'];

/**
 * Removes a test quiz from the shared ClickHouse when the file ends, so test quizzes do not pile up
 * in analysts' reports. ALTER … DELETE is an asynchronous mutation (18.16 has them); it finishes in
 * the background.
 */
export function forgetQuizAtCleanup(ch: ClickHouseClient, quizId: string): void {
  onCleanup(async () => {
    for (const table of QUIZ_TABLES) {
      await ch.command({ query: `ALTER TABLE ${table} DELETE WHERE quiz_id = ${stringLiteral(quizId)}` });
    }
  });
}
