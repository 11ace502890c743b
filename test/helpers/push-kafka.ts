import type { AnswerReceived, AnswerScored, LeaderboardEntry, LeaderboardSnapshot, QuestionOpened, QuestionRevealed } from '../../common/messages/events';
import { createKafka } from '../../common/kafka';
import { snapshotJson } from '../../common/messages/wire';
import { createRedis, redisKeys, type RedisClient } from '../../common/redis';
import type { EventCodec } from '../../common/codec';
import { onCleanup } from './cleanup';
import { testConfig, testLog } from './stack';

// Writes what the processors write (the contract push reads): LeaderboardSnapshot on quiz.snapshots,
// AnswerReceived / AnswerScored / QuestionOpened / QuestionRevealed on quiz.results (Avro via EventCodec, key quizId),
// and the snapshot JSON, sorted set, totals and names in Redis. Push tests use it instead of running
// processors.

export interface ProcessorOutputs {
  redis: RedisClient;
  snapshot(s: Omit<LeaderboardSnapshot, 'createdAt'> & { createdAt?: number }): Promise<void>;
  snapshots(list: Array<Omit<LeaderboardSnapshot, 'createdAt'>>): Promise<void>;
  answerReceived(e: AnswerReceived): Promise<void>;
  answerScored(e: AnswerScored): Promise<void>;
  questionOpened(e: QuestionOpened): Promise<void>;
  questionRevealed(e: QuestionRevealed): Promise<void>;
  /** What processors keep in Redis for a quiz: the snapshot JSON (v1 shape) and the ranking keys. */
  storeSnapshot(s: Omit<LeaderboardSnapshot, 'createdAt'>): Promise<void>;
}

export function entries(n: number, nameLength = 8): LeaderboardEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    rank: i + 1,
    playerId: `p${i + 1}`,
    displayName: `P${i + 1}-`.padEnd(nameLength, 'x'),
    score: (n - i) * 100,
  }));
}

export async function processorOutputs(codec: EventCodec): Promise<ProcessorOutputs> {
  const producer = createKafka(testConfig.kafka, testLog, '-test-processor').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  onCleanup(() => producer.disconnect());
  const redis = createRedis(testConfig.redis, 'push-test');
  onCleanup(() => redis.quit());
  const touched = new Set<string>();
  onCleanup(async () => {
    for (const quizId of touched) {
      await redis.del(redisKeys.snapshot(quizId), redisKeys.leaderboard(quizId), redisKeys.totals(quizId), redisKeys.names(quizId));
    }
  });
  const { snapshots, results } = codec.topics;

  return {
    redis,
    async snapshot(s) {
      const value = await codec.encode(snapshots, 'LeaderboardSnapshot', { ...s, createdAt: s.createdAt ?? Date.now() });
      await producer.send({ topic: snapshots, messages: [{ key: s.quizId, value }] });
    },
    async snapshots(list) {
      const messages = [];
      for (const s of list) {
        messages.push({ key: s.quizId, value: await codec.encode(snapshots, 'LeaderboardSnapshot', { ...s, createdAt: Date.now() }) });
      }
      await producer.send({ topic: snapshots, messages });
    },
    async answerReceived(e) {
      await producer.send({ topic: results, messages: [{ key: e.quizId, value: await codec.encode(results, 'AnswerReceived', e) }] });
    },
    async answerScored(e) {
      await producer.send({ topic: results, messages: [{ key: e.quizId, value: await codec.encode(results, 'AnswerScored', e) }] });
    },
    async questionOpened(e) {
      await producer.send({ topic: results, messages: [{ key: e.quizId, value: await codec.encode(results, 'QuestionOpened', e) }] });
    },
    async questionRevealed(e) {
      await producer.send({ topic: results, messages: [{ key: e.quizId, value: await codec.encode(results, 'QuestionRevealed', e) }] });
    },
    async storeSnapshot(s) {
      touched.add(s.quizId);
      const tx = redis.multi().set(redisKeys.snapshot(s.quizId), snapshotJson({ ...s, openQuestions: s.openQuestions ?? [] }));
      for (const e of s.entries) {
        // Any score that orders the set like the ranks do; processors' real composite also breaks ties.
        tx.zadd(redisKeys.leaderboard(s.quizId), e.score * 1_000 - e.rank, e.playerId);
        tx.hset(redisKeys.totals(s.quizId), e.playerId, String(e.score));
        tx.hset(redisKeys.names(s.quizId), e.playerId, e.displayName);
      }
      await tx.exec();
    },
  };
}
