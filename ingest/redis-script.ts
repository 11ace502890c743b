import { createHash } from 'node:crypto';
import type { RedisClient } from '../common/redis';
import type { ChainableCommander } from 'ioredis';

// A Lua script sent by its SHA1 (EVALSHA): the text crosses the wire only the first time a Redis
// (or a restarted one) has not seen it, so a hot path pays a few bytes per call, not the script.
// A script that takes a batch (several requests' keys in one call) declares its key count as 'all'.

export class RedisScript {
  readonly sha: string;

  constructor(
    readonly lua: string,
    readonly numberOfKeys: number | 'all',
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: RedisClient, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, this.keyCount(keys), ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return redis.eval(this.lua, this.keyCount(keys), ...keys, ...args);
    }
  }

  /**
   * Like `run`, written to the socket at once: a caller that already gathered a turn's worth of
   * work (a batch) need not wait another turn of the event loop for ioredis's auto-pipelining.
   */
  async runNow(redis: RedisClient, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    const pipeline = redis.pipeline();
    this.queue(pipeline, keys, args);
    const [err, reply] = (await pipeline.exec())?.[0] ?? [new Error('redis: the pipeline ended without a reply'), undefined];
    if (!err) return reply;
    if (!isNoScript(err)) throw err;
    return redis.eval(this.lua, this.keyCount(keys), ...keys, ...args);
  }

  /** Queues the call on a pipeline; replies that are NOSCRIPT errors are for the caller to rerun with `run`. */
  queue(pipeline: ChainableCommander, keys: readonly string[], args: ReadonlyArray<string | number>): void {
    pipeline.evalsha(this.sha, this.keyCount(keys), ...keys, ...args);
  }

  private keyCount(keys: readonly string[]): number {
    return this.numberOfKeys === 'all' ? keys.length : this.numberOfKeys;
  }
}

export function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}
