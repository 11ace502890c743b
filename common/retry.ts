import { AbortedError, isRetriable } from './errors';

// Retrying a dependency that is down: a step that fails for a reason a retry can fix (the error's
// `retriable`, common/errors.ts) is tried again with exponential backoff, without end, until it
// works or the caller gives up (a revoked partition, a stop). Every step we retry is idempotent, so
// a dependency that is down delays work and never loses it.

export interface BackoffOptions {
  /** First wait, milliseconds; it doubles after each failure. */
  initialMs: number;
  /** Longest wait, milliseconds. */
  maxMs: number;
}

export function backoffDelay(attempt: number, o: BackoffOptions): number {
  return Math.min(o.maxMs, o.initialMs * 2 ** Math.min(attempt - 1, 30));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
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

export interface RetryOptions extends BackoffOptions {
  /** Whether a failure is worth another attempt; defaults to isRetriable. */
  isRetriable?: (err: unknown) => boolean;
  /** Once aborted, no attempt starts and the wait ends at once (shutting down). */
  signal?: AbortSignal;
  /** Checked after each failure: false once retrying is pointless (the partition was revoked). */
  alive?: () => boolean;
  /** After each failure that will be retried: log and count it. `what` is retryUntilDone's, so one options object can serve every step. */
  onFailure: (err: unknown, attempt: number, nextDelayMs: number, what: string) => void;
  /** After each wait, before the next attempt (kafkajs's heartbeat, which throws on a rebalance). */
  between?: () => Promise<void>;
}

/**
 * Runs `attempt` until it resolves. A failure that is not retriable is rethrown at once; giving up
 * (signal aborted, or no longer alive) throws AbortedError naming `what`.
 */
export async function retryUntilDone<T>(what: string, attempt: () => Promise<T>, o: RetryOptions): Promise<T> {
  const retriable = o.isRetriable ?? isRetriable;
  for (let n = 1; ; n++) {
    if (o.signal?.aborted) throw new AbortedError(what);
    try {
      return await attempt();
    } catch (err) {
      if (!retriable(err)) throw err;
      if (o.alive && !o.alive()) throw new AbortedError(what, err);
      const delay = backoffDelay(n, o);
      o.onFailure(err, n, delay, what);
      await sleep(delay, o.signal);
      if (o.between) await o.between();
    }
  }
}
