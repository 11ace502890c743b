import type {
  AnswerScored,
  AnswerSubmitted,
  DecodedEvent,
  PlayerJoined,
  PlayerKicked,
  QuestionClosed,
  QuestionOpened,
  QuestionRevealed,
} from '../common/messages/events';
import { PoisonMessageError } from '../common/errors';
import type { EventCodec } from '../common/codec';
import type { BatchEffects } from './batch-effects';
import { appliedAnswer, choiceCountsOf, type LeaderboardWriter, type WriteRound } from './leaderboard-writer';
import type { ProcessorMetrics } from './metrics';
import type { ScoredRow } from './pg-batch';
import type { QuestionAnswers } from './question-answers';
import type { QuestionInfo, QuizCatalog, QuizInfo } from './quiz-catalog';
import { reachedOffset } from './ranking';
import { previousOpening, revealTally, scoreAnswer } from './scoring';

// Applies decoded quiz.events messages in two steps, so a run of them costs one Redis round trip:
// `plan` checks a message against the catalog, scores it and queues its Redis script on the round
// (nothing else); once the round has run, the `Finish` it returned turns the script's reply into the
// message's outputs and Postgres rows, collected into the batch and made durable by the flush.
// QuestionClosed reads what every message before it wrote and releases in a script of its own, so it
// is applied alone (`applyClose`), after the round before it has run. Anything thrown other than a
// PoisonMessageError is a dependency failure: the caller retries the step, which is safe because
// every script is idempotent.
//
// Score visibility: in an `onClose` quiz an answer to a question that is still open is held. It is
// counted (answer markers and counters, the player's AnswerReceived) but its points stay out of the
// leaderboard and its AnswerScored is not sent. The question's close releases every held answer at
// once: the reveal, points into the leaderboard, one AnswerScored per answer with the standing after
// the release, then a snapshot. `live` quizzes add points and send results at once.
//
// The reveal counts every answer accepted before the close, whichever ingest instance took it: one
// accepted in time but written to Kafka after the QuestionClosed (another instance's close won the
// race) is scored when it lands, its result goes to its player at once (nothing is held after the
// close), and a corrected QuestionRevealed follows it with the counts that include it.

export interface ApplyContext {
  /** Kafka offset + 1 of this message: the snapshot seq of a state that includes it. */
  seq: number;
  effects: BatchEffects;
}

/** Turns the replies of the round a message was queued on into its outputs and rows; idempotent. */
export type Finish = (replies: readonly unknown[]) => Promise<void>;

export class EventApplier {
  constructor(
    private readonly catalog: QuizCatalog,
    private readonly store: LeaderboardWriter,
    private readonly questionAnswers: QuestionAnswers,
    private readonly codec: EventCodec,
    private readonly metrics: ProcessorMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  /** A round of Redis writes for `plan` to queue on. */
  round(): WriteRound {
    return this.store.round();
  }

  /** QuestionClosed must see every earlier write: it is applied on its own with `applyClose`. */
  needsOwnRound(event: DecodedEvent): event is Extract<DecodedEvent, { type: 'QuestionClosed' }> {
    return event.type === 'QuestionClosed';
  }

  /** Queues the message's Redis writes on `round`; undefined when it has no outputs or rows. */
  async plan(event: DecodedEvent, ctx: ApplyContext, round: WriteRound): Promise<Finish | undefined> {
    switch (event.type) {
      case 'PlayerJoined':
        return this.join(event.payload, ctx, round);
      case 'PlayerKicked':
        return this.kick(event.payload, ctx, round);
      case 'QuestionOpened':
        return this.opened(event.payload, ctx);
      case 'AnswerSubmitted':
        return this.answer(event.payload, ctx, round);
      case 'QuizClosed':
        // Checks the quiz exists (else dead letter); the ranking does not change.
        await this.catalog.quiz(event.payload.quizId);
        return undefined;
      case 'QuestionClosed':
        throw new Error('QuestionClosed is applied on its own (applyClose), not planned on a round');
      default:
        throw new PoisonMessageError(`${event.type} does not belong on quiz.events`);
    }
  }

  private async join(e: PlayerJoined, { seq, effects }: ApplyContext, round: WriteRound): Promise<Finish> {
    const quiz = await this.catalog.quiz(e.quizId);
    round.applyJoin(e.quizId, e.playerId, e.displayName, reachedOffset(quiz.epochMs, e.joinedAt));
    return async () => {
      effects.player({ quizId: e.quizId, playerId: e.playerId, displayName: e.displayName, joinedAt: e.joinedAt });
      effects.changed(e.quizId, seq);
    };
  }

  /**
   * Off the board from the next snapshot on; answers of theirs that come later in the stream (ingest
   * accepted them just before the kick) count for nothing. Points already theirs stay in totals.
   */
  private async kick(e: PlayerKicked, { seq, effects }: ApplyContext, round: WriteRound): Promise<Finish> {
    await this.catalog.quiz(e.quizId);
    round.applyKick(e.quizId, e.playerId);
    return async () => {
      effects.kick({ quizId: e.quizId, playerId: e.playerId, kickedAt: e.kickedAt });
      effects.changed(e.quizId, seq);
    };
  }

  private async opened(e: QuestionOpened, { seq, effects }: ApplyContext): Promise<Finish> {
    await this.catalog.opened(e);
    return async () => {
      // Relayed for the players' own streams; it never carries the answer key.
      const relayed = await this.codec.encode(this.codec.topics.results, 'QuestionOpened', e);
      effects.output(this.codec.topics.results, e.quizId, relayed);
      // The board lists the open question (with how many have answered it) from the next snapshot on.
      effects.changed(e.quizId, seq);
    };
  }

  async applyClose(e: QuestionClosed, { seq, effects }: ApplyContext): Promise<void> {
    const quiz = await this.catalog.quiz(e.quizId);
    const { question, first } = await this.catalog.closing(e);
    if (!first) return;
    const counted = await this.store.choiceCounts(e.quizId, e.questionId);
    const results = this.codec.topics.results;
    // Every output encoded before any is added: a retry after a failure half way adds each once.
    const outputs = [await this.codec.encode(results, 'QuestionRevealed', revealOf(question, e.quizId, counted, e.closedAt))];
    if (quiz.scoreVisibility === 'onClose') {
      // Every answer of the question, not only those Redis holds: a result sent again (a replayed
      // close) has the same answerId, a result never sent would be lost for good.
      const answers = await this.questionAnswers.of(e.quizId, e.questionId, effects.answers);
      const standings = await this.store.release(e.quizId, e.questionId, answers.map((a) => a.playerId));
      for (const a of answers) {
        const standing = standings.get(a.playerId) ?? { total: 0, rank: 0 };
        outputs.push(await this.codec.encode(results, 'AnswerScored', this.scoredEvent(a, standing.total, standing.rank)));
      }
    }
    for (const value of outputs) effects.output(results, e.quizId, value);
    effects.release({ quizId: e.quizId, questionId: e.questionId });
    // The new standings (onClose) and the question leaving the board's open list.
    effects.changed(e.quizId, seq);
    this.catalog.closeApplied(question);
  }

  private async answer(e: AnswerSubmitted, { seq, effects }: ApplyContext, round: WriteRound): Promise<Finish> {
    const quiz = await this.catalog.quiz(e.quizId);
    const question = await this.catalog.question(e.quizId, e.questionId);
    const score = scoreAnswer(question, e, quiz.rules);
    // An answer landing after its question's close (accepted just in time) has nothing to wait for.
    const hold = quiz.scoreVisibility === 'onClose' && !question.closeSeen;
    const written = round.applyAnswer({
      hold,
      quizId: e.quizId,
      questionId: e.questionId,
      playerId: e.playerId,
      answerId: e.answerId,
      acceptedAt: e.acceptedAt,
      tally: revealTally(question, e),
      points: score.points,
      reachedOffsetMs: reachedOffset(quiz.epochMs, e.acceptedAt),
      // The bonus is decided by the script that writes the answer's marker: exactly once per answer.
      ...(quiz.rules.streak ? { streak: streakStep(quiz, question, score.correct && !score.late) } : {}),
    });
    // Accepted in time but read after the close: the reveal already sent lacks it, so a corrected
    // one goes out with the counts as they stand right after it.
    const countsAfter = question.closeSeen && !score.late ? round.choiceCounts(e.quizId, e.questionId) : undefined;
    const scoredAt = this.now();
    return async (replies) => {
      const applied = appliedAnswer(replies[written]);
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
        choiceIds: e.choiceIds ?? [],
        text: e.text ?? null,
        correct: score.correct,
        late: score.late,
        points: score.points + applied.bonus,
        bonus: applied.bonus,
        latencyMs: score.latencyMs,
        acceptedAt: e.acceptedAt,
        scoredAt,
        held: hold,
      };
      const results = this.codec.topics.results;
      const received = { answerId: e.answerId, quizId: e.quizId, questionId: e.questionId, playerId: e.playerId, acceptedAt: e.acceptedAt };
      // Everything encoded before anything is added, so a retried finish adds each output once.
      const outputs = [await this.codec.encode(results, 'AnswerReceived', received)];
      if (!hold) outputs.push(await this.codec.encode(results, 'AnswerScored', this.scoredEvent(row, applied.total, applied.rank)));
      if (countsAfter !== undefined) {
        const revealed = revealOf(question, e.quizId, choiceCountsOf(replies[countsAfter]), question.closedAt ?? e.acceptedAt);
        outputs.push(await this.codec.encode(results, 'QuestionRevealed', revealed));
      }
      effects.answer(row);
      for (const value of outputs) effects.output(results, e.quizId, value);
      // A replay marks the quiz changed too: the crash may have come before its snapshot went out.
      effects.changed(e.quizId, seq);
    };
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
      bonus: a.bonus,
    };
  }
}

/** Where the answer stands in the order questions were played (scoring.ts advanceStreak). */
function streakStep(quiz: QuizInfo, question: QuestionInfo, earned: boolean): { earned: boolean; version: number; previous: number } {
  const version = question.openedAt ?? 0;
  return { earned, version, previous: previousOpening([...quiz.questions.values()].map((q) => q.openedAt), version) };
}

/**
 * The reveal: the key and how many picked each choice (every choice listed, 0 if nobody did); for a
 * text question the accepted spellings and how many answers matched one ("correct") or not ("wrong").
 */
export function revealOf(question: QuestionInfo, quizId: string, counted: Record<string, number>, closedAt: number): QuestionRevealed {
  const text = question.type === 'text';
  const counts: Record<string, number> = Object.fromEntries((text ? ['correct', 'wrong'] : question.choiceIds).map((id) => [id, 0]));
  for (const [field, n] of Object.entries(counted)) counts[field] = n;
  return { quizId, questionId: question.id, correct: [...question.correct], counts, closedAt, accepted: text ? [...(question.accepted ?? [])] : [] };
}
