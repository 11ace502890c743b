import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { ConflictError, NotFoundError, UnavailableError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { AutoCloser } from './auto-close';
import { guardPostgres } from './dependency-errors';
import type { EventWriter } from './event-writer';
import type { KickedPlayers } from './kicked-players';
import { withTransaction } from './pg-tx';
import { loadQuiz, phaseOf, type LoadedQuiz, type QuestionState, type QuizMeta, type QuizStore } from './quiz-store';
import type { CreateQuizInput } from './validation';

// The host's state changes. Each runs inside a Postgres transaction that holds the quiz row's lock,
// so two admin calls on one quiz (or two ingest instances) never interleave, and writes its event
// to Kafka before committing: a change is in Postgres only if its event is in Kafka.
//
// The Redis cache is what players are checked against, so its update is ordered around the event:
//  - open:  Kafka, Postgres, then Redis. No answer can be accepted before QuestionOpened is in the
//           partition, so processors always see the open before the question's answers.
//  - close: Redis first (answers stop), then Kafka and Postgres; on failure Redis is put back.
//  - kick:  the same: Redis first (the player's joins and answers are refused), then Kafka, then
//           Postgres; on failure the player is taken off Redis's kicked set again.

export interface OpenResult {
  openedAt: number;
  closesAt: number;
}

export interface KickResult {
  kickedAt: number;
  /** A repeat of a kick already made: nothing was written. */
  repeat: boolean;
}

export interface AdminOptions {
  /** Auto-close fires this long after closesAt: answers accepted just in time have landed by then. */
  autoCloseGraceMs: number;
}

export class QuizAdmin {
  constructor(
    private readonly pg: Pool,
    private readonly store: QuizStore,
    private readonly writer: EventWriter,
    private readonly kicked: KickedPlayers,
    private readonly log: Logger,
    private readonly autoClose: AutoCloser | undefined,
    private readonly options: AdminOptions,
  ) {}

  async createQuiz(input: CreateQuizInput): Promise<QuizMeta> {
    return this.store.createQuiz(input.id ?? randomUUID(), input);
  }

  /** The quiz's game PIN, given now if it has none (a quiz made before PINs existed). */
  async requestPin(quizId: string): Promise<{ pin: string }> {
    let assigned: QuizMeta | undefined;
    const pin = await this.withQuizLock(quizId, async (tx, { meta }) => {
      if (meta.status === 'closed') throw new ConflictError(`quiz "${quizId}" is closed`, 'quiz_closed');
      if (meta.pin) return meta.pin;
      const given = await this.store.assignPin(tx, meta);
      assigned = { ...meta, pin: given };
      return given;
    });
    // After the commit: readers who rebuild the entry meanwhile see the PIN in Postgres anyway.
    if (assigned) await this.store.cacheQuiz(assigned, true).catch((err: unknown) => this.log.warn({ err, quizId }, 'could not cache the new pin'));
    return { pin };
  }

  /**
   * Removes a joined player: off the board (the processors apply the PlayerKicked), refused when
   * they join or answer again. A repeat returns the first kick and writes nothing.
   */
  async kickPlayer(quizId: string, playerId: string): Promise<KickResult> {
    return this.withQuizLock(quizId, async (tx, { meta }) => {
      if (meta.status === 'closed') throw new ConflictError(`quiz "${quizId}" is closed`, 'quiz_closed');
      const earlier = await tx.query<{ kicked_ms: string }>(
        'SELECT round(extract(epoch FROM kicked_at) * 1000)::bigint AS kicked_ms FROM kicked_players WHERE quiz_id = $1 AND player_id = $2',
        [quizId, playerId],
      );
      if (earlier.rows[0]) {
        // Redis may have lost it meanwhile; the set is refilled from Postgres anyway, this is just sooner.
        await this.kicked.add(quizId, playerId);
        return { kickedAt: Number(earlier.rows[0].kicked_ms), repeat: true };
      }
      if ((await this.store.joinedAs(quizId, playerId)) === null) {
        throw new NotFoundError(`player "${playerId}" has not joined quiz "${quizId}"`, 'player_not_found');
      }
      const kickedAt = Date.now();
      await tx.query(
        `INSERT INTO kicked_players (quiz_id, player_id, kicked_at) VALUES ($1, $2, timestamptz 'epoch' + $3 * interval '1 millisecond')`,
        [quizId, playerId, kickedAt],
      );
      await this.kicked.add(quizId, playerId);
      try {
        await this.writer.write(quizId, [{ type: 'PlayerKicked', payload: { eventId: randomUUID(), quizId, playerId, kickedAt } }]);
      } catch (err) {
        await this.kicked.remove(quizId, playerId).catch((restoreErr: unknown) => this.restoreFailed(restoreErr, quizId));
        throw err;
      }
      return { kickedAt, repeat: false };
    });
  }

  async openQuestion(quizId: string, questionId: string): Promise<OpenResult> {
    const result = await this.withQuizLock(quizId, async (tx, { meta, states }) => {
      if (meta.status === 'closed') throw new ConflictError(`quiz "${quizId}" is closed`, 'quiz_closed');
      const question = meta.questions.find((q) => q.id === questionId);
      if (!question) throw new NotFoundError(`quiz "${quizId}" has no question "${questionId}"`, 'question_not_found');
      const state = states.get(questionId) ?? {};
      const phase = phaseOf(state, Date.now());
      if (phase === 'open') throw new ConflictError(`question "${questionId}" is already open`, 'question_already_open', state);
      if (phase !== 'pending') throw new ConflictError(`question "${questionId}" was already closed`, 'question_closed', state);

      const openedAt = Date.now();
      const closesAt = openedAt + question.timeLimitMs;
      // Readers fall back to Postgres while this runs, which shows the old state until COMMIT.
      await this.store.forgetQuestionState(quizId, questionId);
      await this.writer.write(quizId, [
        {
          type: 'QuestionOpened',
          payload: {
            eventId: randomUUID(),
            quizId,
            questionId,
            prompt: question.prompt,
            choices: question.choices,
            points: question.points,
            timeLimitMs: question.timeLimitMs,
            openedAt,
            closesAt,
            type: question.type ?? 'choice',
            multiple: question.multiple === true,
          },
        },
      ]);
      await tx.query(
        `UPDATE questions SET opened_at = to_timestamp($3 / 1000.0), closes_at = to_timestamp($4 / 1000.0)
         WHERE quiz_id = $1 AND id = $2`,
        [quizId, questionId, openedAt, closesAt],
      );
      return { openedAt, closesAt };
    });
    await this.store
      .cacheQuestionState(quizId, questionId, result)
      .catch((err: unknown) => this.log.error({ err, quizId, questionId }, 'question opened but the cache still shows it pending'));
    this.autoClose?.schedule(timerKey(quizId, questionId), result.closesAt + this.options.autoCloseGraceMs, () =>
      this.closeWhenDue(quizId, questionId),
    );
    return result;
  }

  async closeQuestion(quizId: string, questionId: string): Promise<{ closedAt: number }> {
    const result = await this.withQuizLock(quizId, async (tx, { meta, states }) => {
      if (meta.status === 'closed') throw new ConflictError(`quiz "${quizId}" is closed`, 'quiz_closed');
      if (!meta.questions.some((q) => q.id === questionId)) {
        throw new NotFoundError(`quiz "${quizId}" has no question "${questionId}"`, 'question_not_found');
      }
      const before = states.get(questionId) ?? {};
      const phase = phaseOf(before, Date.now());
      if (phase === 'pending') throw new ConflictError(`question "${questionId}" was never opened`, 'question_not_open', before);
      if (phase === 'closed') throw new ConflictError(`question "${questionId}" is already closed`, 'question_closed', before);

      const closedAt = Date.now();
      await this.stopAnswersThenEmit(
        quizId,
        new Map([[questionId, before]]),
        closedAt,
        [{ type: 'QuestionClosed', payload: { eventId: randomUUID(), quizId, questionId, closedAt } }],
      );
      await tx.query('UPDATE questions SET closed_at = to_timestamp($3 / 1000.0) WHERE quiz_id = $1 AND id = $2', [
        quizId,
        questionId,
        closedAt,
      ]);
      return { closedAt };
    });
    this.autoClose?.cancel(timerKey(quizId, questionId));
    return result;
  }

  async closeQuiz(quizId: string): Promise<{ closedAt: number; closedQuestions: string[] }> {
    const result = await this.withQuizLock(quizId, async (tx, { meta, states }) => {
      if (meta.status === 'closed') throw new ConflictError(`quiz "${quizId}" is already closed`, 'quiz_closed');
      const closedAt = Date.now();
      const open = new Map(
        meta.questions
          .map((q) => [q.id, states.get(q.id) ?? {}] as const)
          .filter(([, s]) => phaseOf(s, closedAt) === 'open' || phaseOf(s, closedAt) === 'expired'),
      );
      const closedQuestions = [...open.keys()];
      const closedMeta: QuizMeta = { ...meta, status: 'closed', closedAt };
      // Joins and answers check the quiz status first, so flip it before anything else.
      await this.store.cacheQuiz(closedMeta, true);
      try {
        await this.stopAnswersThenEmit(quizId, open, closedAt, [
          ...closedQuestions.map((questionId) => ({
            type: 'QuestionClosed' as const,
            payload: { eventId: randomUUID(), quizId, questionId, closedAt },
          })),
          { type: 'QuizClosed' as const, payload: { eventId: randomUUID(), quizId, closedAt } },
        ]);
      } catch (err) {
        await this.store.cacheQuiz(meta, true).catch((restoreErr: unknown) => this.restoreFailed(restoreErr, quizId));
        throw err;
      }
      await tx.query(
        `UPDATE questions SET closed_at = to_timestamp($2 / 1000.0)
         WHERE quiz_id = $1 AND opened_at IS NOT NULL AND closed_at IS NULL`,
        [quizId, closedAt],
      );
      await tx.query(`UPDATE quizzes SET status = 'closed', closed_at = to_timestamp($2 / 1000.0) WHERE id = $1`, [quizId, closedAt]);
      return { closedAt, closedQuestions };
    });
    this.autoClose?.cancelWhere((key) => key.startsWith(`${quizId}/`));
    return result;
  }

  /**
   * Marks the questions closed in Redis (new answers get 422 from now on), then writes the events.
   * If Kafka does not take them, the previous states go back so the question stays usable.
   */
  private async stopAnswersThenEmit(
    quizId: string,
    previous: Map<string, QuestionState>,
    closedAt: number,
    events: Parameters<EventWriter['write']>[1],
  ): Promise<void> {
    const entries = [...previous];
    await Promise.all(entries.map(([id, s]) => this.store.cacheQuestionState(quizId, id, { ...s, closedAt })));
    try {
      await this.writer.write(quizId, events);
    } catch (err) {
      await Promise.all(entries.map(([id, s]) => this.store.cacheQuestionState(quizId, id, s))).catch((restoreErr: unknown) =>
        this.restoreFailed(restoreErr, quizId),
      );
      throw err;
    }
  }

  private restoreFailed(err: unknown, quizId: string): void {
    // Players now see a state that Postgres does not have (closed, or kicked); the host's retry fixes both.
    this.log.error({ err, quizId }, 'could not restore the cached state after a failed change');
  }

  /** Closes a question whose time ran out; already closed (by the host) is fine. */
  private async closeWhenDue(quizId: string, questionId: string, attempt = 1): Promise<void> {
    try {
      await this.closeQuestion(quizId, questionId);
      this.log.info({ quizId, questionId }, 'question closed at its time limit');
    } catch (err) {
      if (err instanceof ConflictError || err instanceof NotFoundError) return;
      if (err instanceof UnavailableError && attempt < 5) {
        this.autoClose?.schedule(timerKey(quizId, questionId), Date.now() + 2_000 * attempt, () =>
          this.closeWhenDue(quizId, questionId, attempt + 1),
        );
        return;
      }
      throw err;
    }
  }

  private async withQuizLock<T>(quizId: string, fn: (tx: PoolClient, locked: LoadedQuiz) => Promise<T>): Promise<T> {
    return guardPostgres('quiz admin', () =>
      withTransaction(this.pg, async (tx) => {
        // Admin calls on one quiz queue behind each other; a lock held longer than this is stuck.
        await tx.query("SET LOCAL lock_timeout = '5s'");
        const locked = await loadQuiz(tx, quizId, true);
        if (!locked) throw new NotFoundError(`quiz "${quizId}" does not exist`, 'quiz_not_found');
        return fn(tx, locked);
      }),
    );
  }
}

function timerKey(quizId: string, questionId: string): string {
  return `${quizId}/${questionId}`;
}
