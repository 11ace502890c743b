import type { EachBatchPayload } from 'kafkajs';
import type { Pool } from 'pg';
import { Registry } from 'prom-client';
import type { EventCodec } from '../../common/codec';
import type { DurableSender } from '../../common/durable-producer';
import { createLogger } from '../../common/logger';
import type { EventApplier } from '../../processors/event-applier';
import { ProcessorMetrics } from '../../processors/metrics';
import { QuizEventsHandler } from '../../processors/quiz-events-handler';
import { SerialLock } from '../../processors/serial-lock';
import { WriteBehind, type PgReader } from '../../processors/write-behind';

// The order of a chunk's flush, with the I/O faked: the Postgres transaction records the questions a
// chunk released, and a replay that finds a question released there reveals nothing again, so the
// transaction must never be in while the chunk's outputs are not (the Kafka-down drill lost a
// player's held result that way).

const TOPIC = 't.quiz.events';

/** One QuestionClosed-like message whose plan adds one output and one release. */
function handlerWith(send: DurableSender['sendBatch'], steps: string[], extra: { decode?: () => void; snapshotWaiting?: () => boolean } = {}) {
  const decode = async () => {
    extra.decode?.();
    return { type: 'QuestionClosed', payload: { quizId: 'q' } };
  };
  const codec = { decodeKnown: () => undefined, decode, topics: { results: 't.quiz.results' } } as unknown as EventCodec;
  const applier = {
    round: () => ({ size: 0, exec: async () => [] }),
    needsOwnRound: () => false,
    plan: async (_e: unknown, ctx: { effects: { output(t: string, k: string, v: Buffer): void; release(r: object): void } }) => async () => {
      ctx.effects.output('t.quiz.results', 'q', Buffer.from('revealed'));
      ctx.effects.release({ quizId: 'q', questionId: 'q1' });
    },
  } as unknown as EventApplier;
  const pg = {
    connect: async () => ({
      query: async (sql: string) => {
        steps.push(`postgres ${sql.trim().split(/\s+/).slice(0, 3).join(' ')}`);
        return { rows: [], rowCount: 0 };
      },
      release: () => undefined,
    }),
  } as unknown as Pool;
  return handlerOf({ codec, applier, producer: { sendBatch: send } as unknown as DurableSender, pg, snapshotWaiting: extra.snapshotWaiting }, { maxMessages: 100, maxWaitMs: 500 });
}

/** A handler over the given fakes, with a real lock, write queue and metrics, a silent log and no snapshot path. */
function handlerOf(
  d: Pick<ConstructorParameters<typeof QuizEventsHandler>[0], 'codec' | 'applier' | 'producer' | 'pg' | 'snapshotWaiting'>,
  o: { maxMessages: number; maxWaitMs: number },
): QuizEventsHandler {
  return new QuizEventsHandler(
    {
      ...d,
      writes: new WriteBehind(d.pg as unknown as PgReader),
      lock: new SerialLock(),
      metrics: new ProcessorMetrics(new Registry()),
      log: createLogger('test', 'silent'),
      onFlushed: async () => undefined,
      beforeCommit: async () => undefined,
    },
    { groupId: 'g', ...o, retryMaxMs: 200 },
  );
}

function payload(stale: () => boolean, steps: string[], count = 1): EachBatchPayload {
  const messages = Array.from({ length: count }, (_, i) => ({ offset: String(i), key: Buffer.from('q'), value: Buffer.from('x'), headers: {} }));
  return {
    batch: { topic: TOPIC, partition: 0, highWatermark: String(count), messages },
    isRunning: () => true,
    isStale: stale,
    heartbeat: async () => undefined,
    resolveOffset: () => undefined,
    commitOffsetsIfNecessary: async () => {
      steps.push('commit');
    },
  } as unknown as EachBatchPayload;
}

test('a chunk whose outputs Kafka never took writes nothing to Postgres (its replay must reveal again)', async () => {
  const steps: string[] = [];
  let failures = 0;
  const handler = handlerWith(async () => {
    failures++;
    throw new Error('kafka down');
  }, steps);
  // The partition moves away after the first failed send: the chunk is abandoned, to be replayed.
  await handler.eachBatch(payload(() => failures > 0, steps));
  expect(failures).toBeGreaterThan(0);
  expect(steps).toEqual([]);
});

test('a chunk is flushed outputs first, then the Postgres transaction, then the offset commit', async () => {
  const steps: string[] = [];
  const handler = handlerWith(async (batch) => {
    steps.push(`kafka ${batch.topicMessages?.map((t) => t.topic).join(',')}`);
    return [];
  }, steps);
  await handler.eachBatch(payload(() => false, steps));
  expect(steps[0]).toBe('kafka t.quiz.results');
  expect(steps.filter((s) => s.startsWith('postgres'))[0]).toBe('postgres BEGIN');
  expect(steps.indexOf('postgres COMMIT')).toBeGreaterThan(0);
  expect(steps.at(-1)).toBe('commit');
});

describe('a chunk and a waiting snapshot', () => {
  afterEach(() => jest.restoreAllMocks());

  /** Each message takes 20 ms of (faked) clock to plan; returns how many messages each flush carried. */
  async function chunkSizes(snapshotWaiting: () => boolean): Promise<number[]> {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const steps: string[] = [];
    const sizes: number[] = [];
    const handler = handlerWith(
      async (batch) => {
        sizes.push(batch.topicMessages?.[0]?.messages.length ?? 0);
        return [];
      },
      steps,
      { decode: () => void (now += 20), snapshotWaiting },
    );
    await handler.eachBatch(payload(() => false, steps, 12));
    return sizes;
  }

  it('stops taking messages once it has run 50 ms, so the snapshot gets the lock', async () => {
    expect(await chunkSizes(() => true)).toEqual([3, 3, 3, 3]);
  });

  it('takes the whole batch when no snapshot waits', async () => {
    expect(await chunkSizes(() => false)).toEqual([12]);
  });
});

describe("a chunk's round in parts", () => {
  /** Every message queues one write; the fake round records each exec, and can fail the first exec of one part. */
  function partsHandler(log: string[], failPart?: number) {
    let rounds = 0;
    let failed = false;
    const round = () => {
      const id = ++rounds;
      const queued: number[] = [];
      return {
        get size() {
          return queued.length;
        },
        queue(n: number) {
          queued.push(n);
          return queued.length - 1;
        },
        exec: async () => {
          log.push(`exec part ${id} (${queued[0]}..${queued.at(-1)})`);
          if (id === failPart && !failed) {
            failed = true;
            throw new Error('redis went away');
          }
          return queued.map((n) => `reply ${n}`);
        },
      };
    };
    let planned = 0;
    const codec = { decodeKnown: () => undefined, decode: async () => ({ type: 'AnswerSubmitted', payload: {} }), topics: { results: 't.quiz.results' } } as unknown as EventCodec;
    const applier = {
      round,
      needsOwnRound: () => false,
      plan: async (_e: unknown, _ctx: unknown, r: ReturnType<typeof round>) => {
        const n = planned++;
        log.push(`plan ${n}`);
        const at = r.queue(n);
        return async (replies: unknown[]) => {
          log.push(`finish ${n}: ${String(replies[at])}`);
        };
      },
    } as unknown as EventApplier;
    const pg = { connect: async () => ({ query: async () => ({ rows: [], rowCount: 0 }), release: () => undefined }) } as unknown as Pool;
    return handlerOf({ codec, applier, producer: { sendBatch: async () => [] } as unknown as DurableSender, pg }, { maxMessages: 5_000, maxWaitMs: 60_000 });
  }

  it('sends each 500 writes as soon as they are queued, then finishes every message in order', async () => {
    const log: string[] = [];
    await partsHandler(log).eachBatch(payload(() => false, [], 1_200));
    expect(log.filter((l) => l.startsWith('exec'))).toEqual(['exec part 1 (0..499)', 'exec part 2 (500..999)', 'exec part 3 (1000..1199)']);
    // The first part went out before the 501st message was planned, the second before the 1,001st.
    expect(log.indexOf('exec part 1 (0..499)')).toBeLessThan(log.indexOf('plan 500'));
    expect(log.indexOf('exec part 2 (500..999)')).toBeLessThan(log.indexOf('plan 1000'));
    const finishes = log.filter((l) => l.startsWith('finish'));
    expect(finishes).toEqual(Array.from({ length: 1_200 }, (_, n) => `finish ${n}: reply ${n}`));
  });

  it('a part that failed is sent again, and every part after it, in order; each message is finished once', async () => {
    const log: string[] = [];
    await partsHandler(log, 2).eachBatch(payload(() => false, [], 1_200));
    expect(log.filter((l) => l.startsWith('exec'))).toEqual([
      'exec part 1 (0..499)',
      'exec part 2 (500..999)',
      'exec part 3 (1000..1199)',
      // Part 3 may have run before part 2's failure was seen: both go again, part 2 first.
      'exec part 2 (500..999)',
      'exec part 3 (1000..1199)',
    ]);
    const finishes = log.filter((l) => l.startsWith('finish'));
    expect(finishes).toEqual(Array.from({ length: 1_200 }, (_, n) => `finish ${n}: reply ${n}`));
  });
});

describe("a chunk's Postgres transaction behind the next chunk", () => {
  /** One message per chunk; each transaction's COMMIT waits until the test lets it through. */
  function overlapHandler(log: string[], commitFails?: number) {
    let planned = 0;
    let transactions = 0;
    const gates: Array<() => void> = [];
    const codec = { decodeKnown: () => undefined, decode: async () => ({ type: 'AnswerSubmitted', payload: {} }), topics: { results: 't.quiz.results' } } as unknown as EventCodec;
    const applier = {
      round: () => ({ size: 0, exec: async () => [] }),
      needsOwnRound: () => false,
      plan: async () => {
        log.push(`plan ${planned++}`);
        return undefined;
      },
    } as unknown as EventApplier;
    const pg = {
      connect: async () => {
        const id = transactions++;
        return {
          query: async (sql: string) => {
            if (sql.trim() === 'COMMIT') {
              await new Promise<void>((resolve) => gates.push(resolve));
              if (id === commitFails) throw Object.assign(new Error('connection lost'), { code: '57P01' });
              log.push(`commit transaction ${id}`);
            }
            return { rows: [], rowCount: 0 };
          },
          release: () => undefined,
        };
      },
    } as unknown as Pool;
    const handler = handlerOf({ codec, applier, producer: { sendBatch: async () => [] } as unknown as DurableSender, pg }, { maxMessages: 1, maxWaitMs: 60_000 });
    const letOneThrough = async () => {
      while (gates.length === 0) await new Promise((r) => setTimeout(r, 5));
      gates.shift()!();
    };
    return { handler, letOneThrough };
  }

  it('the next chunk is applied while a transaction runs, but no more than one', async () => {
    const log: string[] = [];
    const { handler, letOneThrough } = overlapHandler(log);
    const steps: string[] = [];
    const done = handler.eachBatch(payload(() => false, steps, 3));
    await letOneThrough();
    await letOneThrough();
    await letOneThrough();
    await done;
    // Message 1 was planned while transaction 0 waited; message 2 only once transaction 0 was in.
    expect(log).toEqual(['plan 0', 'plan 1', 'commit transaction 0', 'plan 2', 'commit transaction 1', 'commit transaction 2']);
    expect(steps).toEqual(['commit', 'commit', 'commit']);
  });

  it('a transaction that fails once its partition is revoked stops the batch: nothing after it is committed', async () => {
    const log: string[] = [];
    let revoked = false;
    const { handler, letOneThrough } = overlapHandler(log, 0);
    const steps: string[] = [];
    const done = handler.eachBatch(payload(() => revoked, steps, 3));
    await letOneThrough(); // transaction 0 fails; the partition moves while it is retried
    revoked = true;
    await done;
    expect(steps).toEqual([]);
    expect(log.filter((l) => l.startsWith('commit'))).toEqual([]);
    expect(log).not.toContain('plan 2');
  });
});
