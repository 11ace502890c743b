import { createDurableProducer, createKafka } from '../../common/kafka';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { stageWorkloads, waitForIdle } from '../helpers/processor-checks';
import { spawnProcessor } from '../helpers/processor-process';
import { processorTestTopics } from '../helpers/processor-topics';
import { produceWorkloads, randomWorkload } from '../helpers/processor-workload';
import { testConfig, testLog, stackClients } from '../helpers/stack';

// One processor (a real process, default batching) catching up on a backlog: how many answers per
// second it scores end to end (Redis, Postgres, Kafka outputs, commits). The floor only catches a
// collapse; the number itself is logged for the README.

jest.setTimeout(300_000);

const { pg, redis } = stackClients();

it('scores a backlog at a useful rate and ends equal to the reference', async () => {
  const { prefix, codec } = await processorTestTopics(3);
  const workloads = [0, 1, 2, 3, 4, 5].map((i) =>
    randomWorkload({ quizId: uniqueId(`bl${i}`), players: 200, questions: 12, seed: 100 + i, startAt: Date.now() + 1_000 }),
  );
  const quizIds = workloads.map((w) => w.quizId);
  const refs = await stageWorkloads(pg, redis, workloads);
  const answers = workloads.reduce((n, w) => n + w.answers.length, 0);
  const messages = workloads.reduce((n, w) => n + w.events.length, 0);

  const producer = createDurableProducer(createKafka(testConfig.kafka, testLog, '-test-producer'));
  await producer.connect();
  onCleanup(() => producer.disconnect());
  await produceWorkloads(codec, producer, workloads, { chunk: 2_000, pauseMs: 0 });

  const proc = spawnProcessor('processor-backlog', { TOPIC_PREFIX: prefix, PROCESSOR_GROUP_ID: uniqueId('proc-backlog') });
  // Time from the first scored answer, so process start-up and the group join are not counted.
  let firstAt: number | undefined;
  for (;;) {
    const { rows } = await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM scored_answers WHERE quiz_id = ANY($1)', [quizIds]);
    if (rows[0]!.n > 0) {
      firstAt = Date.now();
      break;
    }
    if (proc.child.exitCode !== null) throw new Error(`processor exited: ${proc.tail()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const states = await waitForIdle(redis, pg, workloads.map((w, i) => ({ quizId: w.quizId, ref: refs[i]! })), 240_000);
  const seconds = (Date.now() - firstAt) / 1_000;
  const rate = Math.round(answers / seconds);
  testLog.warn({ answers, messages, seconds, answersPerSecond: rate, messagesPerSecond: Math.round(messages / seconds) }, 'backlog catch-up');
  for (const [i, w] of workloads.entries()) {
    expect(states.get(w.quizId)!.redisOrder).toEqual(refs[i]!.entries.map((e) => ({ playerId: e.playerId, score: e.score })));
  }
  expect(rate).toBeGreaterThan(200);
});
