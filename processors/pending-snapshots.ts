import { redisKeys, type RedisClient } from '../common/redis';
import { RecentMap } from './recent-map';

// Remembers, per quiz.events partition, the quizzes whose latest change has not been published as
// a snapshot yet. Offsets are committed per chunk but snapshots trail by up to a throttle window:
// a processor killed in between would leave the final ranking unpublished, and the next owner,
// having nothing to replay, would never know. The next owner reads this set when it gets the
// partition and publishes those quizzes.

// Removes the quiz only if no newer change was marked since this snapshot's seq.
const SETTLE = `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) <= tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
`;

const MAX_TRACKED = 100_000;

type Scripted = RedisClient & { qsSettlePending(key: string, quizId: string, seq: string): Promise<number> };

export class PendingSnapshots {
  private readonly redis: Scripted;
  /** quizId -> partition, for the quizzes marked by this process (insertion order = LRU). */
  private readonly partitionOf = new RecentMap<string, number>(MAX_TRACKED);

  constructor(
    redis: RedisClient,
    private readonly topic: string,
  ) {
    redis.defineCommand('qsSettlePending', { numberOfKeys: 1, lua: SETTLE });
    this.redis = redis as Scripted;
  }

  /** Before the chunk's offset is committed: these quizzes changed up to these seqs. */
  async mark(partition: number, changed: Map<string, number>): Promise<void> {
    if (changed.size === 0) return;
    const args: Array<string | number> = [];
    for (const [quizId, seq] of changed) {
      args.push(seq, quizId);
      this.partitionOf.touch(quizId, partition);
    }
    // GT: a replay of older offsets never lowers the seq already marked.
    await this.redis.zadd(redisKeys.pendingSnapshots(this.topic, partition), 'GT', ...args);
  }

  /** A snapshot with `seq` went out (or a newer one was already stored). */
  async settled(quizId: string, seq: number): Promise<void> {
    const partition = this.partitionOf.get(quizId);
    if (partition === undefined) return;
    await this.redis.qsSettlePending(redisKeys.pendingSnapshots(this.topic, partition), quizId, String(seq));
  }

  /** The unpublished quizzes of partitions this process was just given. */
  async recover(partitions: number[]): Promise<Array<{ quizId: string; seq: number }>> {
    const out: Array<{ quizId: string; seq: number }> = [];
    for (const partition of partitions) {
      const flat = await this.redis.zrange(redisKeys.pendingSnapshots(this.topic, partition), 0, -1, 'WITHSCORES');
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const quizId = flat[i]!;
        out.push({ quizId, seq: Number(flat[i + 1]) });
        this.partitionOf.set(quizId, partition);
      }
    }
    return out;
  }
}
