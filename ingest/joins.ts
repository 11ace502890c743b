import { randomUUID } from 'node:crypto';
import { NotFoundError, UnprocessableError, ValidationError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { PlayerIdentity } from './auth';
import type { EventWriter } from './event-writer';
import type { QuizStore } from './quiz-store';

export interface JoinResult {
  created: boolean;
  body: { quizId: string; playerId: string; displayName: string; joinedAt?: string };
}

/**
 * A player joins once; joining again is a no-op that returns the name they joined with, so a
 * client may retry a join whose reply it never saw.
 */
export class Joins {
  constructor(
    private readonly store: QuizStore,
    private readonly writer: EventWriter,
    private readonly log: Logger,
  ) {}

  async join(quizId: string, player: PlayerIdentity, requestedName: string | undefined): Promise<JoinResult> {
    const displayName = requestedName ?? player.displayName;
    if (!displayName) throw new ValidationError('displayName is required (the token carries no usable name)');
    const quiz = await this.store.getQuiz(quizId);
    if (!quiz) throw new NotFoundError(`quiz "${quizId}" does not exist`, 'quiz_not_found');
    if (quiz.status === 'closed') throw new UnprocessableError(`quiz "${quizId}" is closed`, 'quiz_closed');

    const existing = await this.store.joinedAs(quizId, player.playerId);
    if (existing !== null) return { created: false, body: { quizId, playerId: player.playerId, displayName: existing } };

    const joinedAt = Date.now();
    // The event goes first: the player can answer only once recorded, and the processors must
    // see the join before any of the player's answers.
    await this.writer.write(quizId, [
      { type: 'PlayerJoined', payload: { eventId: randomUUID(), quizId, playerId: player.playerId, displayName, joinedAt } },
    ]);
    await this.store.recordJoin(quizId, player.playerId, displayName, joinedAt).catch((err: unknown) =>
      // The join is in Kafka and the processors will record it; until then answers may see 403.
      this.log.error({ err, quizId, playerId: player.playerId }, 'join accepted but neither Redis nor Postgres recorded it'),
    );
    return {
      created: true,
      body: { quizId, playerId: player.playerId, displayName, joinedAt: new Date(joinedAt).toISOString() },
    };
  }
}
