import { randomUUID } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { PlayerIdentity } from '../common/tokens';
import type { AnswerMarkers, Claim, ClaimResult, MarkerConfirms } from './answer-markers';
import type { AllAnsweredCloser } from './all-answered';
import type { EventWriter } from './event-writer';
import type { KickedPlayers } from './kicked-players';
import type { IngestMetrics } from './metrics';
import { phaseOf, type QuestionDef, type QuestionState, type QuizStore } from './quiz-store';
import type { AnswerInput } from './validation';

export interface AnswerResult {
  answerId: string;
  /** True when this was a retry of an answer Kafka already has. */
  replay: boolean;
}

/**
 * Why an answer is refused, one constructor per code, shared by the use case below and the hot
 * route (hot/answer-route.ts), which decides the same checks in one Redis script: both answer
 * with the same status, code, message and details.
 */
export const answerRefusals = {
  quizNotFound: (quizId: string) => new NotFoundError(`quiz "${quizId}" does not exist`, 'quiz_not_found'),
  questionNotFound: (quizId: string, questionId: string) => new NotFoundError(`quiz "${quizId}" has no question "${questionId}"`, 'question_not_found'),
  quizClosed: (quizId: string) => new UnprocessableError(`quiz "${quizId}" is closed`, 'quiz_closed'),
  kicked: (quizId: string) => new ForbiddenError(`the host removed this player from quiz "${quizId}"`, 'kicked'),
  notJoined: (quizId: string) => new ForbiddenError(`join quiz "${quizId}" before answering`, 'not_joined'),
  notOpen(questionId: string, state: QuestionState, at: number) {
    const phase = phaseOf(state, at);
    return new UnprocessableError(`question "${questionId}" is not open`, 'question_not_open', {
      state: phase === 'expired' ? 'closed' : phase,
      ...(state.openedAt !== undefined ? { openedAt: new Date(state.openedAt).toISOString() } : {}),
      ...(state.closesAt !== undefined ? { closesAt: new Date(state.closesAt).toISOString() } : {}),
    });
  },
  /**
   * The one check of the body against the question: its form suits the question's type
   * (invalid_answer), and every choice it picks exists. Undefined when the answer may be written.
   */
  badAnswer(question: QuestionDef, input: AnswerInput): ValidationError | undefined {
    const type = question.type ?? 'choice';
    if (type === 'text') {
      return input.text === undefined ? invalidAnswer(question, 'is a text question: send the answer as "text"', input.choiceIds ? 'choiceIds' : 'choiceId') : undefined;
    }
    if (input.text !== undefined) return invalidAnswer(question, 'is answered with "choiceId" or "choiceIds", not "text"', 'text');
    const picks = input.choiceIds ?? [input.choiceId!];
    if (picks.length > 1 && question.multiple !== true) return invalidAnswer(question, 'has one correct choice: pick one', 'choiceIds');
    const unknown = picks.findIndex((id) => !question.choices.some((c) => c.id === id));
    if (unknown < 0) return undefined;
    const path = input.choiceIds ? `choiceIds.${unknown}` : 'choiceId';
    return new ValidationError(`question "${question.id}" has no choice "${picks[unknown]}"`, [{ path, message: 'not one of the choices' }]);
  },
};

function invalidAnswer(question: QuestionDef, why: string, path: string): ValidationError {
  return new ValidationError(`question "${question.id}" ${why}`, [{ path, message: why }], 'invalid_answer');
}

/** The AnswerSubmitted fields of what the player sent: choiceId stays filled for readers that know only it. */
export function answerFields(input: AnswerInput): { choiceId: string; choiceIds: string[]; text: string | null } {
  if (input.text !== undefined) return { choiceId: '', choiceIds: [], text: input.text };
  const picks = input.choiceIds ?? [input.choiceId!];
  return { choiceId: picks[0]!, choiceIds: picks, text: null };
}

/**
 * Checks an answer against the cached quiz and writes it to Kafka. Ingest never scores: it only
 * decides whether the answer may enter the stream, and stamps acceptedAt, the moment scoring
 * measures from the question's opening.
 */
export class Answers {
  constructor(
    private readonly store: QuizStore,
    readonly markers: AnswerMarkers,
    /** The markers themselves, or the request gate, which carries confirms in its own calls. */
    private readonly confirms: MarkerConfirms,
    private readonly kicked: KickedPlayers,
    private readonly writer: EventWriter,
    private readonly allAnswered: AllAnsweredCloser,
    private readonly metrics: IngestMetrics,
    private readonly log: Logger,
  ) {}

  /**
   * The whole check, one step at a time, Postgres filling whatever Redis lacks. `acceptedAt` is
   * taken on arrival, so the time spent on our own lookups never costs the player points.
   */
  async submit(quizId: string, player: PlayerIdentity, input: AnswerInput, acceptedAt = Date.now()): Promise<AnswerResult> {
    const { questionId } = input;
    const { quiz, state, joinedAs, kicked } = await this.store.answerContext(quizId, questionId, player.playerId);
    if (!quiz) throw answerRefusals.quizNotFound(quizId);
    const question = quiz.questions.find((q) => q.id === questionId);
    if (!question) throw answerRefusals.questionNotFound(quizId, questionId);
    // The answer's form and choices are checked last: until the question is open to this player,
    // its type and whether a choice id exists are part of the unrevealed question.
    if (quiz.status === 'closed') throw answerRefusals.quizClosed(quizId);
    if (kicked ?? (await this.kicked.isKicked(quizId, player.playerId))) throw answerRefusals.kicked(quizId);
    if (joinedAs === null) throw answerRefusals.notJoined(quizId);
    if (phaseOf(state ?? {}, acceptedAt) !== 'open') throw answerRefusals.notOpen(questionId, state ?? {}, acceptedAt);
    const badAnswer = answerRefusals.badAnswer(question, input);
    if (badAnswer) throw badAnswer;

    const answerId = input.answerId ?? randomUUID();
    const claimed = await this.markers.claim(quizId, questionId, player.playerId, answerId);
    return this.afterClaim(claimed, input, answerId, acceptedAt, quiz.closeWhenAllAnswered === true);
  }

  /** What a claim (this class's or the request gate's) leads to: a replay, a 409, or the write. */
  async afterClaim(claimed: ClaimResult, input: AnswerInput, answerId: string, acceptedAt: number, closeWhenAllAnswered: boolean): Promise<AnswerResult> {
    if (claimed.kind === 'accepted' && claimed.answerId === answerId) {
      this.metrics.answers.inc({ result: 'retry' });
      return { answerId, replay: true };
    }
    if (claimed.kind === 'pending' && claimed.answerId === answerId) {
      throw new ConflictError('this answer is still being written; retry in a moment', 'answer_pending', { answerId });
    }
    if (claimed.kind !== 'claimed') {
      this.metrics.answers.inc({ result: 'duplicate' });
      throw new ConflictError(`player already answered question "${input.questionId}"`, 'already_answered', { answerId: claimed.answerId });
    }
    await this.write(claimed.claim, input, acceptedAt, closeWhenAllAnswered);
    return { answerId, replay: false };
  }

  private async write(claim: Claim, input: AnswerInput, acceptedAt: number, closeWhenAllAnswered: boolean): Promise<void> {
    const { quizId, questionId, playerId, answerId } = claim;
    try {
      await this.writer.write(quizId, [{ type: 'AnswerSubmitted', payload: { answerId, quizId, questionId, playerId, ...answerFields(input), acceptedAt } }]);
    } catch (err) {
      // Kafka did not take it: free the slot so the client's retry is accepted, not called a duplicate.
      await this.markers
        .release(claim)
        .catch((releaseErr: unknown) => this.log.warn({ err: releaseErr, quizId, questionId }, 'could not release an answer claim'));
      throw err;
    }
    // The answer is in Kafka, so the 202 does not wait for its marker: a retry of it that reaches
    // Redis first is told answer_pending (retry in a moment). The confirm goes out on the connection
    // the retry's claim will use (with the gate, in the very call that carries the claim, ahead of
    // it), so it is almost always there first. If it fails the claim stays "pending" and is taken
    // over once stale.
    const confirmed = this.confirms
      .confirm(claim)
      .catch((err: unknown) => this.log.warn({ err, quizId, questionId }, 'answer accepted but its marker was not confirmed'));
    this.metrics.answers.inc({ result: 'accepted' });
    if (!closeWhenAllAnswered) return;
    // The all-answered check compares the count the confirm raises. The answer is in Kafka whatever
    // happens here: a failed check only leaves the close to the time limit.
    await confirmed;
    await this.allAnswered.check(quizId, questionId);
  }
}
