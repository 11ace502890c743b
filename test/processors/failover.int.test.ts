import { createDurableProducer, createKafka } from '../../common/kafka';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { stageWorkloads, waitForIdle } from '../helpers/processor-checks';
import { spawnProcessor } from '../helpers/processor-process';
import { eventually, processorTestTopics } from '../helpers/processor-topics';
import { produceWorkloads, randomWorkload } from '../helpers/processor-workload';
import { testConfig, testLog, stackClients } from '../helpers/stack';

// A second processor joins mid-stream (a rebalance while the first is working), then the first
// dies (SIGKILL) and the survivor takes its partitions over after the session timeout. The result must still be exact, and the
// survivor must stop cleanly on SIGTERM with every offset committed.

jest.setTimeout(300_000);

const { pg, redis } = stackClients(4);

async function scoredByQuiz(quizIds: string[]): Promise<Map<string, number>> {
  const { rows } = await pg.query<{ quiz_id: string; n: number }>(
    'SELECT quiz_id, count(*)::int AS n FROM scored_answers WHERE quiz_id = ANY($1) GROUP BY quiz_id',
    [quizIds],
  );
  return new Map(rows.map((r) => [r.quiz_id, r.n]));
}

it('loses nothing and counts nothing twice when one of two processors dies', async () => {
  const { prefix, codec } = await processorTestTopics(3);
  const seed = Number(process.env.WORKLOAD_SEED ?? Date.now() % 1_000_000);
  testLog.warn({ seed }, 'workload seed (set WORKLOAD_SEED to replay)');
  // Six quizzes over three partitions, so both members own some.
  const workloads = [0, 1, 2, 3, 4, 5].map((i) =>
    randomWorkload({ quizId: uniqueId(`fo${i}`), players: 40, questions: 6, seed: seed + i, startAt: Date.now() + 1_000, scoreVisibility: i === 0 ? 'live' : 'onClose' }),
  );
  const quizIds = workloads.map((w) => w.quizId);
  const refs = await stageWorkloads(pg, redis, workloads);

  const groupId = uniqueId('proc-failover');
  const env = { TOPIC_PREFIX: prefix, PROCESSOR_GROUP_ID: groupId, PROCESSOR_SESSION_TIMEOUT_MS: '6000', BATCH_MAX_MESSAGES: '50' };
  const kafka = createKafka(testConfig.kafka, testLog, '-test-admin');
  const admin = kafka.admin();
  await admin.connect();
  onCleanup(() => admin.disconnect());
  const members = async (n: number) => {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0]?.state === 'Stable' && groups[0].members.length === n;
  };

  const a = spawnProcessor('processor-a', env);
  await eventually(`processor a in the group (${a.tail()})`, () => members(1), 90_000);
  const producer = createDurableProducer(kafka);
  await producer.connect();
  onCleanup(() => producer.disconnect());
  const producing = produceWorkloads(codec, producer, workloads, { chunk: 60, pauseMs: 1_000 });

  await eventually('a to score on several quizzes', async () => (await scoredByQuiz(quizIds)).size >= 3, 60_000);
  const b = spawnProcessor('processor-b', env);
  await eventually(`both processors in the group (a: ${a.tail()} b: ${b.tail()})`, () => members(2), 90_000);
  const atJoin = [...(await scoredByQuiz(quizIds)).values()].reduce((x, y) => x + y, 0);
  const total = refs.reduce((n, r) => n + r.answers, 0);
  testLog.warn({ atJoin, total }, 'second processor joined');
  await eventually(
    `progress after the rebalance (from ${atJoin} of ${total}; a: ${a.tail()} b: ${b.tail()})`,
    async () => [...(await scoredByQuiz(quizIds)).values()].reduce((x, y) => x + y, 0) > atJoin,
    60_000,
  );
  await a.kill('SIGKILL');
  const atKill = [...(await scoredByQuiz(quizIds)).values()].reduce((x, y) => x + y, 0);
  await producing;
  expect(atKill).toBeLessThan(refs.reduce((n, r) => n + r.answers, 0));

  const states = await waitForIdle(redis, pg, workloads.map((w, i) => ({ quizId: w.quizId, ref: refs[i]! })), 120_000);
  for (const [i, w] of workloads.entries()) {
    const s = states.get(w.quizId)!;
    const ref = refs[i]!;
    expect(s.redisOrder).toEqual(ref.entries.map((e) => ({ playerId: e.playerId, score: e.score })));
    expect(s.pgOrder).toEqual(ref.entries.map((e) => ({ playerId: e.playerId, score: e.score, reachedAt: e.reachedAt })));
    expect(new Map([...ref.scored].map(([id, x]) => [id, x.points]))).toEqual(s.pgAnswers);
  }

  // Graceful stop: the survivor finishes, commits and leaves; every partition is committed to its end.
  expect(await b.kill('SIGTERM')).toBe(0);
  const ends = await admin.fetchTopicOffsets(codec.topics.quizEvents);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [codec.topics.quizEvents] });
  const committedBy = new Map(committed!.partitions.map((p) => [p.partition, p.offset]));
  // A partition that never held a message has nothing to commit (Kafka reports -1 for it).
  for (const end of ends.filter((e) => e.high !== '0')) expect(committedBy.get(end.partition)).toBe(end.high);
  const { rows } = await pg.query<{ partition: number; next_offset: string }>(
    'SELECT partition, next_offset FROM consumer_offsets WHERE group_id = $1 AND topic = $2',
    [groupId, codec.topics.quizEvents],
  );
  for (const end of ends.filter((e) => e.high !== '0')) {
    expect(rows.find((r) => r.partition === end.partition)?.next_offset).toBe(end.high);
  }
});
