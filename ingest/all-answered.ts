import type { Pool } from 'pg';
import { ConflictError, NotFoundError } from '../common/errors';
import type { Logger } from '../common/logger';
import { redisKeys, type RedisClient } from '../common/redis';
import { CONFIRMED_COUNT_FIELD } from './answer-markers';
import { guardPostgres, guardRedis } from './dependency-errors';
import { JOINED_HASH_COMPLETE } from './join-claims';
import { KICKED_SET_COMPLETE } from './kicked-players';
import { phaseOf, type QuizStore } from './quiz-store';

// "Close when everyone answered" (a quiz's closeWhenAllAnswered): a question closes as soon as every
// joined, not kicked player has answered it.
//
// Where it is detected: in ingest, by whichever instance has just made the deciding change durable:
// after an answer's marker is confirmed (its AnswerSubmitted is in Kafka), and after a kick (the one
// player left who had not answered may be the one kicked). Each confirm counts itself in the
// question's answered hash (answer-markers.ts), so the instance that confirms the last answer reads
// a count that includes every other answer already in Kafka; answers still being written are not
// counted, so a question never closes ahead of an answer that may yet fail.
//
// Exactly once: detecting is not closing. The close is QuizAdmin.closeQuestion, which runs under the
// quiz's Postgres row lock and refuses a question that is already closed; two instances (or a check
// and the host, or the time limit) that decide at the same moment queue on the lock, one writes the
// QuestionClosed and the others get a conflict, which is ignored here. One QuestionClosed, whatever
// the number of instances.
//
// Counting players: Redis's joined hash may hold fewer players than joined (it is refilled player by
// player after Redis lost it), which would close too early, so a close Redis suggests is confirmed
// against Postgres's players (minus kicked_players) first. Redis losing the confirmed count only
// delays the close to the time limit.

// KEYS[1] the question's answered hash, KEYS[2] joined (its completeness marker is not a player), KEYS[3] kicked. Kicks are few, so the kicked
// set is walked: a kicked player is neither a player to wait for nor, if they answered before the
// kick, an answer that counts.
const COUNT = `
local answered = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local joined = redis.call('HLEN', KEYS[2]) - redis.call('HEXISTS', KEYS[2], ARGV[3])
for _, p in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if p ~= ARGV[2] then
    if redis.call('HEXISTS', KEYS[2], p) == 1 then joined = joined - 1 end
    local marker = redis.call('HGET', KEYS[1], p)
    if marker and string.sub(marker, 1, 2) == 'a|' then answered = answered - 1 end
  end
end
return {answered, joined}
`;

const ACTIVE_PLAYERS = `
  SELECT count(*)::int AS n FROM players p
  WHERE p.quiz_id = $1 AND NOT EXISTS (SELECT 1 FROM kicked_players k WHERE k.quiz_id = p.quiz_id AND k.player_id = p.player_id)`;

export interface QuestionCloser {
  closeQuestion(quizId: string, questionId: string): Promise<{ closedAt: number }>;
}

export class AllAnsweredCloser {
  constructor(
    private readonly redis: RedisClient,
    private readonly pg: Pool,
    private readonly store: QuizStore,
    private readonly closer: QuestionCloser,
    private readonly log: Logger,
  ) {}

  /**
   * Closes the question if every active player has answered it. Never throws: the caller's change
   * is durable already, and a check that failed leaves the close to the time limit (logged).
   */
  async check(quizId: string, questionId: string): Promise<boolean> {
    try {
      const [answered, joinedInRedis] = (await guardRedis(this.redis, 'count answers', () =>
        this.redis.eval(COUNT, 3, redisKeys.answered(quizId, questionId), redisKeys.joined(quizId), redisKeys.kicked(quizId), CONFIRMED_COUNT_FIELD, KICKED_SET_COMPLETE, JOINED_HASH_COMPLETE),
      )) as [number, number];
      if (answered <= 0 || answered < joinedInRedis) return false;
      const { rows } = await guardPostgres('count players', () => this.pg.query<{ n: number }>(ACTIVE_PLAYERS, [quizId]));
      if (answered < (rows[0]?.n ?? 0)) return false;
      await this.closer.closeQuestion(quizId, questionId);
      this.log.info({ quizId, questionId, answered }, 'question closed: every player answered');
      return true;
    } catch (err) {
      // Already closed (by the host, the time limit or another instance's check): nothing to do.
      if (err instanceof ConflictError || err instanceof NotFoundError) return false;
      this.log.warn({ err, quizId, questionId }, 'could not check whether every player answered; the question closes at its time limit');
      return false;
    }
  }

  /** After a kick: the open questions of the quiz, if it closes when everyone answered. */
  async afterKick(quizId: string): Promise<void> {
    try {
      const quiz = await this.store.getQuiz(quizId);
      if (!quiz || quiz.closeWhenAllAnswered !== true || quiz.status === 'closed') return;
      const states = await this.store.getQuestionStates(quiz);
      const now = Date.now();
      for (const [questionId, state] of states) if (phaseOf(state, now) === 'open') await this.check(quizId, questionId);
    } catch (err) {
      this.log.warn({ err, quizId }, 'could not check the open questions after a kick');
    }
  }
}
