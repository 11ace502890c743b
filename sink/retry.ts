// Retrying a dependency that is down: exponential backoff, forever, until it works or the caller
// gives up through the abort signal (shutdown). Nothing is ever skipped because a dependency is down.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export function backoffDelay(attempt: number, o: BackoffOptions): number {
  return Math.min(o.maxMs, o.initialMs * 2 ** Math.min(attempt - 1, 30));
}

export class AbortedError extends Error {
  constructor(what: string) {
    super(`${what}: given up (shutting down)`);
    this.name = 'AbortedError';
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `attempt` until it resolves. After each failure calls `onFailure` (to log and count) and
 * waits the backoff; `isRetriable` false rethrows at once.
 */
export async function retryUntilDone<T>(
  what: string,
  attempt: () => Promise<T>,
  o: BackoffOptions & {
    signal?: AbortSignal;
    isRetriable?: (err: unknown) => boolean;
    onFailure: (err: unknown, attempt: number, nextDelayMs: number) => void;
  },
): Promise<T> {
  for (let n = 1; ; n++) {
    if (o.signal?.aborted) throw new AbortedError(what);
    try {
      return await attempt();
    } catch (err) {
      if (o.isRetriable && !o.isRetriable(err)) throw err;
      const delay = backoffDelay(n, o);
      o.onFailure(err, n, delay);
      await sleep(delay, o.signal);
    }
  }
}
