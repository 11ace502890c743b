import type { QueryResult } from 'pg';
import { WriteBehind, type PgReader } from '../../processors/write-behind';

// The queue of chunk transactions and commits, and the reads that wait behind it (pure logic,
// with a fake reader).

function fakeReader(log: string[]): PgReader {
  return {
    query: async (text: string) => {
      log.push(`read ${text}`);
      return { rows: [], rowCount: 0 } as unknown as QueryResult<never>;
    },
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test('queued steps run one at a time, in the order they were queued', async () => {
  const log: string[] = [];
  const writes = new WriteBehind(fakeReader(log));
  const first = deferred();
  writes.queue(async () => {
    log.push('first starts');
    await first.promise;
    log.push('first ends');
  });
  writes.queue(async () => void log.push('second'));
  await new Promise((r) => setImmediate(r));
  expect(log).toEqual(['first starts']);
  first.resolve();
  await writes.drain();
  expect(log).toEqual(['first starts', 'first ends', 'second']);
});

test('a read waits for the steps queued before it, not for those queued after it', async () => {
  const log: string[] = [];
  const writes = new WriteBehind(fakeReader(log));
  const step = deferred();
  writes.queue(async () => {
    await step.promise;
    log.push('chunk 1 written');
  });
  const read = writes.reader.query('answers of q1');
  await new Promise((r) => setImmediate(r));
  expect(log).toEqual([]);
  step.resolve();
  await read;
  expect(log).toEqual(['chunk 1 written', 'read answers of q1']);
});

test('a failed step skips the steps after it; drain throws that failure, then the queue starts afresh', async () => {
  const log: string[] = [];
  const writes = new WriteBehind(fakeReader(log));
  const failed = writes.queue(async () => {
    throw new Error('postgres gone');
  });
  writes.queue(async () => void log.push('commit after the failure'));
  await failed; // settles, never rejects
  expect(writes.failed).toBe(true);
  await expect(writes.drain()).rejects.toThrow('postgres gone');
  expect(log).toEqual([]);
  expect(writes.failed).toBe(false);
  writes.queue(async () => void log.push('next batch'));
  await writes.drain();
  expect(log).toEqual(['next batch']);
});

test('a read behind a failed step still runs (the batch that failed reports it)', async () => {
  const log: string[] = [];
  const writes = new WriteBehind(fakeReader(log));
  writes.queue(async () => {
    throw new Error('postgres gone');
  });
  await writes.reader.query('quiz');
  expect(log).toEqual(['read quiz']);
  await expect(writes.drain()).rejects.toThrow('postgres gone');
});
