import { createHash } from 'node:crypto';
import type { RedisClient } from '../common/redis';
import type { ChainableCommander } from 'ioredis';

// A Lua script sent by its SHA1 (EVALSHA): the text crosses the wire only the first time a Redis
// (or a restarted one) has not seen it, so a hot path pays a few bytes per call, not the script.

export class RedisScript {
  readonly sha: string;

  constructor(
    readonly lua: string,
    readonly numberOfKeys: number,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: RedisClient, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, this.numberOfKeys, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return redis.eval(this.lua, this.numberOfKeys, ...keys, ...args);
    }
  }

  /** Queues the call on a pipeline; replies that are NOSCRIPT errors are for the caller to rerun with `run`. */
  queue(pipeline: ChainableCommander, keys: readonly string[], args: ReadonlyArray<string | number>): void {
    pipeline.evalsha(this.sha, this.numberOfKeys, ...keys, ...args);
  }
}

export function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}
