import { PoisonMessageError } from '../common/errors';

// A dependency that is down delays work, it never loses it: the partition waits and retries the
// same step (every step is idempotent). Only the message's own fault (poison) or losing the
// partition / stopping ends the wait.

/** The partition was revoked or the process is stopping while a dependency was failing. */
export class AbortedError extends Error {
  constructor(readonly lastError: unknown) {
    super(`gave up retrying: ${(lastError as Error)?.message ?? String(lastError)}`);
    this.name = 'AbortedError';
  }
}

/** Errors that retrying cannot fix: the message itself is bad. */
export function isPoison(err: unknown): boolean {
  if (err instanceof PoisonMessageError) return true;
  // @kafkajs/confluent-schema-registry rejects a payload its schema does not accept with this error.
  return (err as Error)?.name === 'ConfluentSchemaRegistryValidationError';
}

export interface RetryOptions {
  /** False once retrying is pointless (partition revoked, shutting down). */
  alive: () => boolean;
  /** Called between attempts; kafkajs's heartbeat also throws when the group rebalances. */
  between?: () => Promise<void>;
  onRetry: (err: unknown, attempt: number) => void;
  maxDelayMs: number;
}

export async function retrying<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  let delay = 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (isPoison(err)) throw err;
      if (!o.alive()) throw new AbortedError(err);
      o.onRetry(err, attempt);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, o.maxDelayMs);
      if (o.between) await o.between();
    }
  }
}
