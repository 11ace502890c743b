import { loadSinkOptions } from '../../sink/options';
import { nonEmptyTables, PendingBatch } from '../../sink/pending-batch';
import { AbortedError } from '../../common/errors';
import { backoffDelay, retryUntilDone } from '../../common/retry';
import type { SinkRow } from '../../sink/rows';

const event = (id: string): SinkRow => ({
  table: 'quiz_events',
  row: { quiz_id: 'q', kind: 'joined', event_id: id, question_id: '', player_id: id, display_name: id, at_ms: 1, at: 0 },
});

describe('PendingBatch', () => {
  it('commits each partition at its last handled offset + 1, skipped messages included', () => {
    const b = new PendingBatch();
    b.add('t', 0, '5', event('a'), 1_000);
    b.add('t', 1, '9', null, 1_010);
    b.add('t', 0, '6', null, 1_020);
    b.add('u', 0, '99999999999999', event('b'), 1_030);
    expect(b.rowCount).toBe(2);
    expect(b.ageMs(1_300)).toBe(300);
    const d = b.drain();
    expect(d.commits).toEqual([
      { topic: 't', partition: 0, offset: '7' },
      { topic: 't', partition: 1, offset: '10' },
      { topic: 'u', partition: 0, offset: '100000000000000' },
    ]);
    expect(d.rowCount).toBe(2);
    expect(nonEmptyTables(d)).toEqual(['quiz_events']);
    expect(b.isEmpty).toBe(true);
    expect(b.rowCount).toBe(0);
    expect(b.ageMs(5_000)).toBe(0);
  });

  it('is not empty after a skipped message alone: its offset still has to be committed', () => {
    const b = new PendingBatch();
    b.add('t', 0, '0', null);
    expect(b.isEmpty).toBe(false);
    expect(b.rowCount).toBe(0);
    expect(nonEmptyTables(b.drain())).toEqual([]);
  });
});

describe('retry with backoff', () => {
  it('doubles the wait up to the maximum', () => {
    const o = { initialMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 60].map((n) => backoffDelay(n, o))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('keeps trying until the attempt works, reporting each failure', async () => {
    let calls = 0;
    const failures: number[] = [];
    const result = await retryUntilDone(
      'test',
      async () => {
        calls++;
        if (calls < 4) throw new Error(`down ${calls}`);
        return 'ok';
      },
      { initialMs: 1, maxMs: 2, onFailure: (_err, attempt) => failures.push(attempt) },
    );
    expect(result).toBe('ok');
    expect(failures).toEqual([1, 2, 3]);
  });

  it('rethrows at once what is not retriable', async () => {
    const failures: unknown[] = [];
    await expect(
      retryUntilDone('test', () => Promise.reject(new TypeError('bad')), { initialMs: 1, maxMs: 1, isRetriable: (e) => !(e instanceof TypeError), onFailure: (e) => failures.push(e) }),
    ).rejects.toThrow('bad');
    expect(failures).toEqual([]);
  });

  it('gives up when aborted, even in the middle of a long wait', async () => {
    const abort = new AbortController();
    const started = Date.now();
    const p = retryUntilDone('insert into answers', () => Promise.reject(new Error('down')), {
      initialMs: 60_000,
      maxMs: 60_000,
      signal: abort.signal,
      onFailure: () => setTimeout(() => abort.abort(), 20),
    });
    await expect(p).rejects.toBeInstanceOf(AbortedError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('sink options', () => {
  it('has documented defaults', () => {
    expect(loadSinkOptions({})).toEqual({
      groupId: 'quizstream-clickhouse-sink',
      port: 8096,
      batchMaxRows: 1_000,
      batchMaxWaitMs: 500,
      retryInitialMs: 200,
      retryMaxMs: 5_000,
      heartbeatMs: 3_000,
      stopGraceMs: 20_000,
    });
  });

  it('reads the environment and names a bad value', () => {
    expect(loadSinkOptions({ SINK_GROUP_ID: 'g', SINK_PORT: '0', SINK_BATCH_MAX_ROWS: '10' })).toMatchObject({ groupId: 'g', port: 0, batchMaxRows: 10 });
    expect(() => loadSinkOptions({ SINK_BATCH_MAX_WAIT_MS: '0' })).toThrow(/SINK_BATCH_MAX_WAIT_MS/);
    expect(() => loadSinkOptions({ SINK_PORT: 'x' })).toThrow(/SINK_PORT/);
  });
});
