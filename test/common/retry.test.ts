import { AbortedError } from '../../common/errors';
import { backoffDelay, retryUntilDone } from '../../common/retry';

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
