import Redis from 'ioredis';
import { createClickHouse } from '../../common/clickhouse';
import { createDurableProducer, createKafka } from '../../common/kafka';
import { createPgPool } from '../../common/postgres';
import { findReport } from '../../infra/analytics/reports';
import { runReport } from '../../infra/analytics/run';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { processorTestConfig, startTestProcessor } from '../helpers/processor-app';
import { processorTestTopics } from '../helpers/processor-topics';
import { insertQuizRows, produceWorkloads, randomWorkload, type Workload } from '../helpers/processor-workload';
import { referenceRanking, type RefResult } from '../helpers/reference-ranking';
import { testConfig, testLog } from '../helpers/stack';
import { forgetQuizAtCleanup, startSink, waitFor } from '../helpers/scripted-quiz';
import { deleteQuizKeys, deleteQuizRows } from '../helpers/quiz-cleanup';

// The whole write path into ClickHouse: a random workload (duplicates, redeliveries, wrong and late
// answers) scored by a real processor, copied by the sink. ClickHouse, deduplicated, must equal the
// ranking recomputed from the accepted answers alone, and so must the rollups behind the reports.

jest.setTimeout(180_000);

const pg = createPgPool(testConfig.postgres, 2);
const redis = new Redis(testConfig.redis.url);
const ch = createClickHouse(testConfig.clickhouse);
let workload: Workload;
let ref: RefResult;

async function rows<T>(query: string): Promise<T[]> {
  const rs = await ch.query({ query, format: 'JSONEachRow' });
  return rs.json<T>();
}

beforeAll(async () => {
  onCleanup(() => pg.end());
  onCleanup(() => redis.quit());
  onCleanup(() => ch.close());
  const topics = await processorTestTopics(3);
  const seed = Number(process.env.WORKLOAD_SEED ?? Date.now() % 1_000_000);
  testLog.warn({ seed }, 'workload seed (set WORKLOAD_SEED to replay)');
  workload = randomWorkload({ quizId: uniqueId('chwl'), players: 40, questions: 5, seed, startAt: Date.now() + 1_000 });
  ref = referenceRanking(workload);
  forgetQuizAtCleanup(ch, workload.quizId);
  onCleanup(async () => {
    await deleteQuizRows(pg, [workload.quizId]);
    await deleteQuizKeys(redis, workload.quizId);
  });
  await insertQuizRows(pg, workload);
  const producer = createDurableProducer(createKafka(testConfig.kafka, testLog, '-test-producer'));
  await producer.connect();
  onCleanup(() => producer.disconnect());
  await produceWorkloads(topics.codec, producer, [workload], { chunk: 200, pauseMs: 0 });

  await startTestProcessor(processorTestConfig(topics.prefix, uniqueId('proc-ch')));
  const sink = await startSink({ ...testConfig, kafka: { ...testConfig.kafka, topicPrefix: topics.prefix } });
  const q = workload.quizId;
  let seen = '';
  await waitFor(
    () => `every scored answer (${ref.answers}) and the final snapshot in ClickHouse; last seen ${seen}`,
    async () => {
      const [a] = await rows<{ n: string }>(`SELECT count() AS n FROM answers FINAL WHERE quiz_id = '${q}'`);
      const [s] = await rows<{ n: string }>(`SELECT max(answers) AS n FROM snapshots WHERE quiz_id = '${q}'`);
      seen = `answers ${a?.n}, latest snapshot answers ${s?.n}`;
      return Number(a?.n) === ref.answers && Number(s?.n) === ref.answers;
    },
    150_000,
  );
  await sink.stop();
}, 170_000);

describe('processor + ClickHouse sink on a random workload', () => {
  it('stores every counted answer once, with the reference points, correctness and lateness', async () => {
    const stored = await rows<{ answer_id: string; player_id: string; question_id: string; points: number; correct: number; late: number }>(
      `SELECT answer_id, player_id, question_id, points, correct, late FROM answers FINAL WHERE quiz_id = '${workload.quizId}' ORDER BY answer_id`,
    );
    const expected = [...ref.scored.entries()]
      .map(([answerId, s]) => ({ answer_id: answerId, player_id: s.playerId, question_id: s.questionId, points: s.points, correct: s.correct ? 1 : 0, late: s.late ? 1 : 0 }))
      .sort((x, y) => (x.answer_id < y.answer_id ? -1 : 1));
    expect(stored).toEqual(expected);
  });

  it('the latest snapshot in ClickHouse is the reference ranking', async () => {
    const [latest] = await rows<{ entries: string }>(`SELECT argMax(entries, seq) AS entries FROM snapshots FINAL WHERE quiz_id = '${workload.quizId}'`);
    const entries = JSON.parse(latest!.entries) as Array<{ rank: number; playerId: string; score: number }>;
    expect(entries.map((e) => [e.rank, e.playerId, e.score])).toEqual(ref.entries.slice(0, entries.length).map((e) => [e.rank, e.playerId, e.score]));
  });

  it('the reports agree with the reference: per question and per quiz', async () => {
    const perQuestion = new Map<string, { answers: number; correct: number; late: number }>();
    for (const s of ref.scored.values()) {
      const q = perQuestion.get(s.questionId) ?? { answers: 0, correct: 0, late: 0 };
      q.answers++;
      if (s.correct) q.correct++;
      if (s.late) q.late++;
      perQuestion.set(s.questionId, q);
    }
    const questions = await runReport(ch, findReport('questions')!, { quizId: workload.quizId });
    expect(questions.map((r) => [r.question_id, r.answers, r.correct, r.late])).toEqual(
      [...perQuestion.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, q]) => [id, q.answers, q.correct, q.late]),
    );

    const [quiz] = await runReport(ch, findReport('quizzes')!, { quizId: workload.quizId });
    const answeredBy = new Set([...ref.scored.values()].map((s) => s.playerId));
    expect(quiz).toMatchObject({
      questions: workload.questions.length,
      players_joined: ref.players,
      players_answered: answeredBy.size,
      answers: ref.answers,
      top_score: ref.entries[0]!.score,
    });
  });
});
