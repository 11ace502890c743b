import type {
  AnswerSubmitted,
  DecodedEvent,
  PlayerJoined,
  QuestionClosed,
  QuestionOpened,
} from '../common/events';
import { PoisonMessageError } from '../common/errors';
import type { EventCodec } from '../common/registry';
import type { BatchEffects } from './batch-effects';
import type { LeaderboardStore } from './leaderboard-store';
import type { ProcessorMetrics } from './metrics';
import type { QuizCatalog } from './quiz-catalog';
import { reachedOffset } from './ranking';
import { scoreAnswer } from './scoring';

// Applies one decoded quiz.events message: the Redis effect happens now (one idempotent script),
// the Postgres rows and Kafka outputs are collected into the batch and made durable by the flush.
// Anything thrown here other than a PoisonMessageError is a dependency failure: the caller retries
// the whole message, which is safe because every step is idempotent.

export interface ApplyContext {
  /** Kafka offset + 1 of this message: the snapshot seq of a state that includes it. */
  seq: number;
  effects: BatchEffects;
}

export class EventApplier {
  constructor(
    private readonly catalog: QuizCatalog,
    private readonly store: LeaderboardStore,
    private readonly codec: EventCodec,
    private readonly metrics: ProcessorMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  async apply(event: DecodedEvent, ctx: ApplyContext): Promise<void> {
    switch (event.type) {
      case 'PlayerJoined':
        return this.join(event.payload, ctx);
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

  private async opened(e: QuestionOpened, { effects }: ApplyContext): Promise<void> {
    await this.catalog.opened(e);
    // Relayed for the players' own streams; it never carries the answer key.
    effects.output(this.codec.topics.results, e.quizId, await this.codec.encode(this.codec.topics.results, 'QuestionOpened', e));
  }

  private async closed(e: QuestionClosed, { effects }: ApplyContext): Promise<void> {
    const { question, first } = await this.catalog.closed(e);
    if (!first) return;
    const counted = await this.store.choiceCounts(e.quizId, e.questionId);
    const counts: Record<string, number> = Object.fromEntries(question.choiceIds.map((id) => [id, 0]));
    for (const [choice, n] of Object.entries(counted)) counts[choice] = n;
    const revealed = { quizId: e.quizId, questionId: e.questionId, correct: [...question.correct], counts, closedAt: e.closedAt };
    effects.output(this.codec.topics.results, e.quizId, await this.codec.encode(this.codec.topics.results, 'QuestionRevealed', revealed));
  }

  private async answer(e: AnswerSubmitted, { seq, effects }: ApplyContext): Promise<void> {
    const quiz = await this.catalog.quiz(e.quizId);
    const question = await this.catalog.question(e.quizId, e.questionId);
    const score = scoreAnswer(question, e);
    const applied = await this.store.applyAnswer({
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
    // A later answer to the same question changes nothing; a replay of the first one re-emits its
    // result (the crash may have come before the first emit) and re-offers its Postgres row.
    if (applied.outcome === 'duplicate') return;
    const scoredAt = this.now();
    effects.answer({
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
      scoredAt,
    });
    const scored = {
      answerId: e.answerId,
      quizId: e.quizId,
      questionId: e.questionId,
      playerId: e.playerId,
      choiceId: e.choiceId,
      correct: score.correct,
      late: score.late,
      points: score.points,
      total: applied.total,
      rank: applied.rank,
      latencyMs: score.latencyMs,
      acceptedAt: e.acceptedAt,
      scoredAt,
    };
    effects.output(this.codec.topics.results, e.quizId, await this.codec.encode(this.codec.topics.results, 'AnswerScored', scored));
    // A replay marks the quiz changed too: the crash may have come before its snapshot went out.
    effects.changed(e.quizId, seq);
  }
}
