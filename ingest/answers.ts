import { randomUUID } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { PlayerIdentity } from '../common/tokens';
import type { AnswerMarkers } from './answer-markers';
import type { AllAnsweredCloser } from './all-answered';
import type { EventWriter } from './event-writer';
import type { KickedPlayers } from './kicked-players';
import type { IngestMetrics } from './metrics';
import { phaseOf, type QuizStore } from './quiz-store';
import type { AnswerInput } from './validation';

export interface AnswerResult {
  answerId: string;
  /** True when this was a retry of an answer Kafka already has. */
  replay: boolean;
}

/**
 * Checks an answer against the cached quiz and writes it to Kafka. Ingest never scores: it only
 * decides whether the answer may enter the stream, and stamps acceptedAt, the moment scoring
 * measures from the question's opening.
 */
export class Answers {
  constructor(
    private readonly store: QuizStore,
    private readonly markers: AnswerMarkers,
    private readonly kicked: KickedPlayers,
    private readonly writer: EventWriter,
    private readonly allAnswered: AllAnsweredCloser,
    private readonly metrics: IngestMetrics,
    private readonly log: Logger,
  ) {}

  async submit(quizId: string, player: PlayerIdentity, input: AnswerInput): Promise<AnswerResult> {
    // Taken on arrival, so the time spent on our own cache lookups never costs the player points.
    const acceptedAt = Date.now();
    const { questionId, choiceId } = input;
    const { quiz, state, joinedAs, kicked } = await this.store.answerContext(quizId, questionId, player.playerId);
    if (!quiz) throw new NotFoundError(`quiz "${quizId}" does not exist`, 'quiz_not_found');
    const question = quiz.questions.find((q) => q.id === questionId);
    if (!question) throw new NotFoundError(`quiz "${quizId}" has no question "${questionId}"`, 'question_not_found');
    // The choices are checked last: until the question is open to this player, whether a choice
    // id exists is part of the unrevealed question.
    if (quiz.status === 'closed') throw new UnprocessableError(`quiz "${quizId}" is closed`, 'quiz_closed');
    if (kicked ?? (await this.kicked.isKicked(quizId, player.playerId))) {
      throw new ForbiddenError(`the host removed this player from quiz "${quizId}"`, 'kicked');
    }
    if (joinedAs === null) throw new ForbiddenError(`join quiz "${quizId}" before answering`, 'not_joined');
    const phase = phaseOf(state ?? {}, acceptedAt);
    if (phase !== 'open') {
      throw new UnprocessableError(`question "${questionId}" is not open`, 'question_not_open', {
        state: phase === 'expired' ? 'closed' : phase,
        ...(state?.openedAt !== undefined ? { openedAt: new Date(state.openedAt).toISOString() } : {}),
        ...(state?.closesAt !== undefined ? { closesAt: new Date(state.closesAt).toISOString() } : {}),
      });
    }
    if (!question.choices.some((c) => c.id === choiceId)) {
      throw new ValidationError(`question "${questionId}" has no choice "${choiceId}"`, [{ path: 'choiceId', message: 'not one of the choices' }]);
    }

    const answerId = input.answerId ?? randomUUID();
    const claimed = await this.markers.claim(quizId, questionId, player.playerId, answerId);
    if (claimed.kind === 'accepted' && claimed.answerId === answerId) {
      this.metrics.answers.inc({ result: 'retry' });
      return { answerId, replay: true };
    }
    if (claimed.kind === 'pending' && claimed.answerId === answerId) {
      throw new ConflictError('this answer is still being written; retry in a moment', 'answer_pending', { answerId });
    }
    if (claimed.kind !== 'claimed') {
      this.metrics.answers.inc({ result: 'duplicate' });
      throw new ConflictError(`player already answered question "${questionId}"`, 'already_answered', { answerId: claimed.answerId });
    }

    try {
      await this.writer.write(quizId, [
        { type: 'AnswerSubmitted', payload: { answerId, quizId, questionId, playerId: player.playerId, choiceId, acceptedAt } },
      ]);
    } catch (err) {
      // Kafka did not take it: free the slot so the client's retry is accepted, not called a duplicate.
      await this.markers
        .release(claimed.claim)
        .catch((releaseErr: unknown) => this.log.warn({ err: releaseErr, quizId, questionId }, 'could not release an answer claim'));
      throw err;
    }
    // If this fails the claim stays "pending" and is taken over once stale; the answer is in Kafka.
    await this.markers
      .confirm(claimed.claim)
      .catch((err: unknown) => this.log.warn({ err, quizId, questionId }, 'answer accepted but its marker was not confirmed'));
    this.metrics.answers.inc({ result: 'accepted' });
    // The answer is in Kafka whatever happens here: a failed check only leaves the close to the time limit.
    if (quiz.closeWhenAllAnswered === true) await this.allAnswered.check(quizId, questionId);
    return { answerId, replay: false };
  }
}
