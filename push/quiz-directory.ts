import type { Pool } from 'pg';
import { UnavailableError } from '../common/errors';
import type { Logger } from '../common/logger';
import { redisKeys, type RedisClient } from '../common/redis';

// Streams open only for quizzes that exist, so a client cannot hold streams (and memory) under
// made-up ids. Postgres, where ingest creates quizzes, is the truth; Redis answers most asks in one
// round trip (ingest's cache of the quiz, or the processors' snapshot), and an id found once is
// remembered for a while, so a crowd reconnecting at once costs nothing. Push only reads.

// ingest's marker for an id it looked up and did not find (kept 5 s): not proof of absence here,
// since a create whose cache write failed leaves it in place; Postgres decides.
const MISSING = 'missing';

export interface QuizDirectoryOptions {
  /** How long an id found to exist is remembered without asking again. */
  rememberMs: number;
  /** At most this many remembered ids; the oldest go first. */
  maxRemembered: number;
}

export class QuizDirectory {
  private readonly remembered = new Map<string, number>();

  constructor(
    private readonly redis: RedisClient,
    private readonly pg: Pool,
    private readonly log: Logger,
    private readonly options: QuizDirectoryOptions = { rememberMs: 60_000, maxRemembered: 10_000 },
  ) {}

  async exists(quizId: string): Promise<boolean> {
    const until = this.remembered.get(quizId);
    if (until !== undefined && until > Date.now()) return true;
    if ((await this.inRedis(quizId)) || (await this.inPostgres(quizId))) {
      this.remember(quizId);
      return true;
    }
    return false;
  }

  /** True when Redis holds the quiz (ingest's cache) or its leaderboard; false when it cannot say. */
  private async inRedis(quizId: string): Promise<boolean> {
    let replies: Array<[Error | null, unknown]> | null;
    try {
      replies = await this.redis.pipeline().get(redisKeys.quizMeta(quizId)).exists(redisKeys.snapshot(quizId)).exec();
    } catch (err) {
      this.log.warn({ err, quizId }, 'push: cannot ask redis whether the quiz exists; asking postgres');
      return false;
    }
    const [meta, snapshot] = (replies ?? []).map(([err, value]) => (err ? undefined : value));
    return snapshot === 1 || (typeof meta === 'string' && meta !== MISSING);
  }

  private async inPostgres(quizId: string): Promise<boolean> {
    try {
      const { rowCount } = await this.pg.query('SELECT 1 FROM quizzes WHERE id = $1', [quizId]);
      return (rowCount ?? 0) > 0;
    } catch (err) {
      throw new UnavailableError(`postgres: ${(err as Error).message}`, 1, 'database_unavailable');
    }
  }

  private remember(quizId: string): void {
    this.remembered.delete(quizId);
    this.remembered.set(quizId, Date.now() + this.options.rememberMs);
    if (this.remembered.size > this.options.maxRemembered) {
      const oldest = this.remembered.keys().next().value;
      if (oldest !== undefined) this.remembered.delete(oldest);
    }
  }
}
