import type {
  AnswerScored,
  AnswerSubmitted,
  DecodedEvent,
  PlayerJoined,
  PlayerKicked,
  QuestionClosed,
  QuestionOpened,
} from '../common/messages/events';
import { PoisonMessageError } from '../common/errors';
import type { EventCodec } from '../common/codec';
import type { BatchEffects } from './batch-effects';
import type { LeaderboardWriter } from './leaderboard-writer';
import type { ProcessorMetrics } from './metrics';
import type { ScoredRow } from './pg-batch';
import type { QuestionAnswers } from './question-answers';
import type { QuizCatalog } from './quiz-catalog';
import { reachedOffset } from './ranking';
import { scoreAnswer } from './scoring';

// Applies one decoded quiz.events message: the Redis effect happens now (one idempotent script),
// the Postgres rows and Kafka outputs are collected into the batch and made durable by the flush.
// Anything thrown here other than a PoisonMessageError is a dependency failure: the caller retries
// the whole message, which is safe because every step is idempotent.
//
// Score visibility: in an `onClose` quiz an answer to a question that is still open is held. It is
// counted (answer markers and counters, the player's AnswerReceived) but its points stay out of the
// leaderboard and its AnswerScored is not sent. The question's close releases every held answer at
// once: the reveal, points into the leaderboard, one AnswerScored per answer with the standing after
// the release, then a snapshot. `live` quizzes add points and send results at once.

export interface ApplyContext {
  /** Kafka offset + 1 of this message: the snapshot seq of a state that includes it. */
  seq: number;
  effects: BatchEffects;
}

export class EventApplier {
  constructor(
    private readonly catalog: QuizCatalog,
    private readonly store: LeaderboardWriter,
    private readonly questionAnswers: QuestionAnswers,
    private readonly codec: EventCodec,
    private readonly metrics: ProcessorMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  async apply(event: DecodedEvent, ctx: ApplyContext): Promise<void> {
    switch (event.type) {
      case 'PlayerJoined':
        return this.join(event.payload, ctx);
      case 'PlayerKicked':
        return this.kick(event.payload, ctx);
      case 'QuestionOpened':
        return this.opened(event.payload, ctx);
      case 'QuestionClosed':
        return this.closed(event.payload, ctx);
      case 'AnswerSubmitted':
        return this.answer(event.payload, ctx);
      case 'QuizClosed':
        // Checks the quiz exists (else dead letter); the ranking does not change.
        await this.catalog.quiz(event.payload.quizId);
        return;
      default:
        throw new PoisonMessageError(`${event.type} does not belong on quiz.events`);
    }
  }

  private async join(e: PlayerJoined, { seq, effects }: ApplyContext): Promise<void> {
    const quiz = await this.catalog.quiz(e.quizId);
    await this.store.applyJoin(e.quizId, e.playerId, e.displayName, reachedOffset(quiz.epochMs, e.joinedAt));
    effects.player({ quizId: e.quizId, playerId: e.playerId, displayName: e.displayName, joinedAt: e.joinedAt });
    effects.changed(e.quizId, seq);
  }

  /**
   * Off the board from the next snapshot on; answers of theirs that come later in the stream (ingest
   * accepted them just before the kick) count for nothing. Points already theirs stay in totals.
   */
  private async kick(e: PlayerKicked, { seq, effects }: ApplyContext): Promise<void> {
    await this.catalog.quiz(e.quizId);
    await this.store.applyKick(e.quizId, e.playerId);
    effects.kick({ quizId: e.quizId, playerId: e.playerId, kickedAt: e.kickedAt });
    effects.changed(e.quizId, seq);
  }

  private async opened(e: QuestionOpened, { seq, effects }: ApplyContext): Promise<void> {
    await this.catalog.opened(e);
    // Relayed for the players' own streams; it never carries the answer key.
    effects.output(this.codec.topics.results, e.quizId, await this.codec.encode(this.codec.topics.results, 'QuestionOpened', e));
    // The board lists the open question (with how many have answered it) from the next snapshot on.
    effects.changed(e.quizId, seq);
  }

  private async closed(e: QuestionClosed, { seq, effects }: ApplyContext): Promise<void> {
    const quiz = await this.catalog.quiz(e.quizId);
    const { question, first } = await this.catalog.closed(e);
    if (!first) return;
    const counted = await this.store.choiceCounts(e.quizId, e.questionId);
    const counts: Record<string, number> = Object.fromEntries(question.choiceIds.map((id) => [id, 0]));
    for (const [choice, n] of Object.entries(counted)) counts[choice] = n;
    const revealed = { quizId: e.quizId, questionId: e.questionId, correct: [...question.correct], counts, closedAt: e.closedAt };
    const results = this.codec.topics.results;
    effects.output(results, e.quizId, await this.codec.encode(results, 'QuestionRevealed', revealed));
    if (quiz.scoreVisibility === 'onClose') {
      // Every answer of the question, not only those Redis holds: a result sent again (a replayed
      // close) has the same answerId, a result never sent would be lost for good.
      const answers = await this.questionAnswers.of(e.quizId, e.questionId, effects.answers);
      const standings = await this.store.release(e.quizId, e.questionId, answers.map((a) => a.playerId));
      for (const a of answers) {
        const standing = standings.get(a.playerId) ?? { total: 0, rank: 0 };
        effects.output(results, e.quizId, await this.codec.encode(results, 'AnswerScored', this.scoredEvent(a, standing.total, standing.rank)));
      }
    }
    effects.release({ quizId: e.quizId, questionId: e.questionId });
    // The new standings (onClose) and the question leaving the board's open list.
    effects.changed(e.quizId, seq);
  }

  private async answer(e: AnswerSubmitted, { seq, effects }: ApplyContext): Promise<void> {
    const quiz = await this.catalog.quiz(e.quizId);
    const question = await this.catalog.question(e.quizId, e.questionId);
    const score = scoreAnswer(question, e);
    // An answer landing after its question's close (accepted just in time) has nothing to wait for.
    const hold = quiz.scoreVisibility === 'onClose' && !question.closeSeen;
    const applied = await this.store.applyAnswer({
      hold,
      quizId: e.quizId,
      questionId: e.questionId,
      playerId: e.playerId,
      answerId: e.answerId,
      acceptedAt: e.acceptedAt,
      choiceId: e.choiceId,
      points: score.points,
      reachedOffsetMs: reachedOffset(quiz.epochMs, e.acceptedAt),
    });
    this.metrics.answers.inc({ outcome: applied.outcome });
    // A later answer to the same question changes nothing, nor does one from a kicked player; a
    // replay of the first one re-emits its result (the crash may have come before the first emit)
    // and re-offers its Postgres row.
    if (applied.outcome === 'duplicate' || applied.outcome === 'kicked') return;
    const row: ScoredRow = {
      quizId: e.quizId,
      questionId: e.questionId,
      playerId: e.playerId,
      answerId: e.answerId,
      choiceId: e.choiceId,
      correct: score.correct,
      late: score.late,
      points: score.points,
      latencyMs: score.latencyMs,
      acceptedAt: e.acceptedAt,
      scoredAt: this.now(),
      held: hold,
    };
    effects.answer(row);
    const results = this.codec.topics.results;
    const received = { answerId: e.answerId, quizId: e.quizId, questionId: e.questionId, playerId: e.playerId, acceptedAt: e.acceptedAt };
    effects.output(results, e.quizId, await this.codec.encode(results, 'AnswerReceived', received));
    if (!hold) effects.output(results, e.quizId, await this.codec.encode(results, 'AnswerScored', this.scoredEvent(row, applied.total, applied.rank)));
    // A replay marks the quiz changed too: the crash may have come before its snapshot went out.
    effects.changed(e.quizId, seq);
  }

  private scoredEvent(a: ScoredRow, total: number, rank: number): AnswerScored {
    return {
      answerId: a.answerId,
      quizId: a.quizId,
      questionId: a.questionId,
      playerId: a.playerId,
      choiceId: a.choiceId,
      correct: a.correct,
      late: a.late,
      points: a.points,
      total,
      rank,
      latencyMs: a.latencyMs,
      acceptedAt: a.acceptedAt,
      scoredAt: a.scoredAt,
    };
  }
}
