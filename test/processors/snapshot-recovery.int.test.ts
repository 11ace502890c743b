import { createDurableProducer, createKafka } from '../../common/kafka';
import { redisKeys } from '../../common/redis';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { readQuizState, waitForIdle } from '../helpers/processor-checks';
import { spawnProcessor } from '../helpers/processor-process';
import { eventually, processorTestTopics } from '../helpers/processor-topics';
import { insertQuizRows, produceWorkloads, randomWorkload } from '../helpers/processor-workload';
import { referenceRanking } from '../helpers/reference-ranking';
import { testConfig, testLog, stackClients } from '../helpers/stack';
import { deleteQuizKeys, deleteQuizRows } from '../helpers/quiz-cleanup';

// A processor that committed every offset but was killed before its trailing snapshot went out:
// the next owner of the partition has nothing to replay, yet must publish the final ranking.

jest.setTimeout(180_000);

const { pg, redis } = stackClients();

it('the next owner publishes the snapshot a killed processor owed', async () => {
  const { prefix, codec } = await processorTestTopics(3);
  const w = randomWorkload({ quizId: uniqueId('owed'), players: 30, questions: 4, seed: 23, startAt: Date.now() + 1_000 });
  onCleanup(async () => {
    await deleteQuizRows(pg, [w.quizId]);
    await deleteQuizKeys(redis, w.quizId);
    for (let p = 0; p < 3; p++) await redis.del(redisKeys.pendingSnapshots(codec.topics.quizEvents, p));
  });
  await insertQuizRows(pg, w);
  const ref = referenceRanking(w);
  const producer = createDurableProducer(createKafka(testConfig.kafka, testLog, '-test-producer'));
  await producer.connect();
  onCleanup(() => producer.disconnect());
  const groupId = uniqueId('proc-owed');
  const base = { TOPIC_PREFIX: prefix, PROCESSOR_GROUP_ID: groupId, PROCESSOR_SESSION_TIMEOUT_MS: '6000' };
  // A ten-minute window: after the first snapshot, the first processor publishes nothing more.
  const first = spawnProcessor('processor-slow-snapshots', { ...base, SNAPSHOT_THROTTLE_MS: '600000' });
  // The first snapshot goes out at once; it must cover only part of the quiz, so the rest is
  // produced after it is out (else one fetch can hold the whole quiz and nothing is owed).
  const head = Math.floor(w.events.length / 4);
  await produceWorkloads(codec, producer, [{ ...w, events: w.events.slice(0, head) }]);
  await eventually(`a first snapshot (${first.tail()})`, async () => (await readQuizState(redis, pg, w.quizId)).snapshot !== null, 60_000);
  await produceWorkloads(codec, producer, [{ ...w, events: w.events.slice(head) }]);
  await eventually(
    `every answer in Postgres (${first.tail()})`,
    async () => (await readQuizState(redis, pg, w.quizId)).pgAnswers.size === ref.answers,
    60_000,
  );
  await new Promise((r) => setTimeout(r, 500)); // let the last commit land
  await first.kill('SIGKILL');
  const stale = (await readQuizState(redis, pg, w.quizId)).snapshot;
  expect(stale?.answers ?? 0).toBeLessThan(ref.answers);

  spawnProcessor('processor-next', base);
  const states = await waitForIdle(redis, pg, [{ quizId: w.quizId, ref }], 60_000);
  const snap = states.get(w.quizId)!.snapshot!;
  expect(snap.entries.map((e) => [e.playerId, e.score])).toEqual(ref.entries.map((e) => [e.playerId, e.score]));
  expect(snap.players).toBe(ref.players);
  expect(snap.seq).toBeGreaterThan(stale?.seq ?? 0);
  // Settled: nothing is owed any more.
  await eventually('the pending set to empty', async () => {
    let n = 0;
    for (let p = 0; p < 3; p++) n += await redis.zcard(redisKeys.pendingSnapshots(codec.topics.quizEvents, p));
    return n === 0;
  });
});
