import { randomInt } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../common/logger';
import { ConflictError, NotFoundError } from '../common/errors';
import type { Choice } from '../common/messages/events';
import { redisKeys, type RedisClient } from '../common/redis';
import { guardPostgres, guardRedis } from './dependency-errors';
import { KICKED_SET_COMPLETE, KickedPlayers } from './kicked-players';
import { withTransaction } from './pg-tx';
import type { CreateQuizInput, QuestionType, ScoreVisibility, ScoringRule } from './validation';

// Postgres is the source of truth for quizzes, question state and (with the processors) joined
// players; Redis holds what the answer path must check in one round trip. Every cache entry can be
// rebuilt from Postgres, so an empty Redis (restart, eviction, TTL) only costs a slower request.
//
// Two kinds of cache write keep readers and the admin from overwriting each other:
//  - a reader that rebuilt an entry from Postgres writes it only if absent (SET NX, HSETNX), so it
//    never replaces a newer state the admin wrote while the reader was querying;
//  - the admin path, which holds the quiz's row lock, overwrites (SET, HSET).

export interface QuestionDef {
  id: string;
  position: number;
  /** Absent in entries cached before question types: a choice question. */
  type?: QuestionType;
  /** Several choices are correct (the play page offers checkboxes); never which. Absent in entries cached before. */
  multiple?: boolean;
  prompt: string;
  /** Empty for a text question. */
  choices: Choice[];
  points: number;
  timeLimitMs: number;
}

/** The quiz as players may see it: no answer key. */
export interface QuizMeta {
  id: string;
  title: string;
  status: 'open' | 'closed';
  scoreVisibility: ScoreVisibility;
  /** The game PIN; null for a quiz made before PINs existed that never asked for one. Absent in entries cached before. */
  pin?: string | null;
  /** Close a question once every joined, not kicked player answered it (all-answered.ts). Absent in entries cached before. */
  closeWhenAllAnswered?: boolean;
  /** The scoring options (processors/scoring.ts); absent in entries cached before them. */
  scoring?: ScoringRule;
  streak?: boolean;
  partial?: boolean;
  createdAt: number;
  closedAt: number | null;
  questions: QuestionDef[];
}

/** Epoch milliseconds; `{}` means the question was never opened. */
export interface QuestionState {
  openedAt?: number;
  closesAt?: number;
  closedAt?: number;
}

export type QuestionPhase = 'pending' | 'open' | 'expired' | 'closed';

/** `expired`: its time ran out but nobody closed it yet (answers are refused, the close event is due). */
export function phaseOf(state: QuestionState, now: number): QuestionPhase {
  if (state.closedAt !== undefined) return 'closed';
  if (state.openedAt === undefined || state.closesAt === undefined) return 'pending';
  return now <= state.closesAt ? 'open' : 'expired';
}

export interface LoadedQuiz {
  meta: QuizMeta;
  states: Map<string, QuestionState>;
}

export interface AnswerContext {
  quiz: QuizMeta | null;
  /** Undefined when the quiz has no such question. */
  state: QuestionState | undefined;
  /** Display name if the player joined, else null. */
  joinedAs: string | null;
  /** Whether the host kicked the player; undefined when Redis's set is not complete (kicked-players.ts decides then). */
  kicked: boolean | undefined;
}

interface QuestionRow {
  id: string;
  position: number;
  type: QuestionType;
  multiple: boolean;
  prompt: string;
  choices: Choice[];
  points: number;
  time_limit_ms: number;
  opened_at: Date | null;
  closes_at: Date | null;
  closed_at: Date | null;
}

interface QuizRow {
  id: string;
  title: string;
  status: 'open' | 'closed';
  score_visibility: ScoreVisibility;
  pin: string | null;
  close_when_all_answered: boolean;
  scoring: ScoringRule;
  streak: boolean;
  partial: boolean;
  created_at: Date;
  closed_at: Date | null;
}

// Remembered for a few seconds so a flood of requests for a quiz that does not exist does not turn
// into a flood of Postgres queries. Creating the quiz overwrites it at once.
const MISSING = 'missing';
const MISSING_TTL_SECONDS = 5;

function parseMeta(json: string | null): QuizMeta | null | undefined {
  if (json === null) return undefined; // not cached
  return json === MISSING ? null : (JSON.parse(json) as QuizMeta);
}

const QUIZ_COLUMNS = 'id, title, status, score_visibility, pin, close_when_all_answered, scoring, streak, partial, created_at, closed_at';
// Whether several choices are correct is public (the play page needs it); which ones are is not.
const QUESTION_COLUMNS = 'id, position, type, cardinality(correct) > 1 AS multiple, prompt, choices, points, time_limit_ms, opened_at, closes_at, closed_at';

export function stateOfRow(row: Pick<QuestionRow, 'opened_at' | 'closes_at' | 'closed_at'>): QuestionState {
  return {
    ...(row.opened_at ? { openedAt: row.opened_at.getTime() } : {}),
    ...(row.closes_at ? { closesAt: row.closes_at.getTime() } : {}),
    ...(row.closed_at ? { closedAt: row.closed_at.getTime() } : {}),
  };
}

function metaOf(quiz: QuizRow, questions: QuestionRow[]): QuizMeta {
  return {
    id: quiz.id,
    title: quiz.title,
    status: quiz.status,
    scoreVisibility: quiz.score_visibility,
    pin: quiz.pin,
    closeWhenAllAnswered: quiz.close_when_all_answered,
    scoring: quiz.scoring,
    streak: quiz.streak,
    partial: quiz.partial,
    createdAt: quiz.created_at.getTime(),
    closedAt: quiz.closed_at ? quiz.closed_at.getTime() : null,
    questions: questions.map((q) => ({
      id: q.id,
      position: q.position,
      type: q.type,
      multiple: q.multiple,
      prompt: q.prompt,
      choices: q.choices,
      points: q.points,
      timeLimitMs: q.time_limit_ms,
    })),
  };
}

export class QuizStore {
  constructor(
    private readonly pg: Pool,
    private readonly redis: RedisClient,
    private readonly ttlSeconds: number,
    private readonly log: Logger,
  ) {}

  /** Inserts the quiz, with a free game PIN, and its answer key in one transaction; 409 if the id is taken. */
  async createQuiz(id: string, input: CreateQuizInput): Promise<QuizMeta> {
    const meta = await guardPostgres('create quiz', () =>
      withTransaction(this.pg, async (client) => {
        const quiz = await withFreePin(client, id, (pin) =>
          client.query<QuizRow>(
            `INSERT INTO quizzes (id, title, score_visibility, close_when_all_answered, scoring, streak, partial, pin)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${QUIZ_COLUMNS}`,
            [id, input.title, input.scoreVisibility, input.closeWhenAllAnswered, input.scoring, input.streak, input.partial, pin],
          ),
        );
        const rows: QuestionRow[] = [];
        for (const [position, q] of input.questions.entries()) {
          const r = await client.query<QuestionRow>(
            `INSERT INTO questions (quiz_id, id, position, type, prompt, choices, correct, accepted, ignore_accents, points, time_limit_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${QUESTION_COLUMNS}`,
            [id, q.id, position, q.type, q.prompt, JSON.stringify(q.choices), q.correct, q.accepted, q.ignoreAccents, q.points, q.timeLimitMs],
          );
          rows.push(r.rows[0]!);
        }
        return metaOf(quiz, rows);
      }),
    );
    // Only a warm-up: the first reader rebuilds a missing entry, so a Redis hiccup must not fail the create.
    await this.cacheQuiz(meta, true).catch((err: unknown) => this.log.warn({ err, quizId: id }, 'could not cache the new quiz'));
    return meta;
  }

  /**
   * Gives a PIN to a quiz that has none (one made before PINs existed); returns the quiz's PIN. The
   * caller holds the quiz's row lock and has checked it is not closed.
   */
  async assignPin(tx: PoolClient, meta: QuizMeta): Promise<string> {
    if (meta.pin) return meta.pin;
    const row = await withFreePin(tx, meta.id, (pin) =>
      tx.query<QuizRow>(`UPDATE quizzes SET pin = $2 WHERE id = $1 RETURNING ${QUIZ_COLUMNS}`, [meta.id, pin]),
    );
    return row.pin!;
  }

  /** The quiz that is not closed and has this PIN, if any. Postgres decides: a PIN moves to another quiz once its quiz closes. */
  async quizIdOfPin(pin: string): Promise<string | null> {
    const { rows } = await guardPostgres('find pin', () =>
      this.pg.query<{ id: string }>("SELECT id FROM quizzes WHERE pin = $1 AND status = 'open'", [pin]),
    );
    return rows[0]?.id ?? null;
  }

  async getQuiz(quizId: string): Promise<QuizMeta | null> {
    const cached = parseMeta(await guardRedis(this.redis, 'read quiz', () => this.redis.get(redisKeys.quizMeta(quizId))));
    if (cached !== undefined) return cached;
    return (await this.rebuild(quizId))?.meta ?? null;
  }

  /** Every question's state, Redis first, Postgres for whatever Redis lacks. */
  async getQuestionStates(quiz: QuizMeta): Promise<Map<string, QuestionState>> {
    const hash = await guardRedis(this.redis, 'read question states', () => this.redis.hgetall(redisKeys.questionState(quiz.id)));
    // Own properties only: a question may be called "constructor".
    const cached = new Map(Object.entries(hash).map(([id, json]) => [id, JSON.parse(json) as QuestionState]));
    if (quiz.questions.every((q) => cached.has(q.id))) return cached;
    const fromPg = (await this.rebuild(quiz.id))?.states ?? new Map<string, QuestionState>();
    // A state that is in Redis may be newer than Postgres (a close marks Redis first), so it wins.
    return new Map(quiz.questions.map((q) => [q.id, cached.get(q.id) ?? fromPg.get(q.id) ?? {}]));
  }

  /** What the answer path checks, in one Redis round trip when the cache is warm. */
  async answerContext(quizId: string, questionId: string, playerId: string): Promise<AnswerContext> {
    const replies = await guardRedis(this.redis, 'read answer context', () =>
      this.redis
        .pipeline()
        .get(redisKeys.quizMeta(quizId))
        .hget(redisKeys.questionState(quizId), questionId)
        .hget(redisKeys.joined(quizId), playerId)
        .sismember(redisKeys.kicked(quizId), playerId)
        .sismember(redisKeys.kicked(quizId), KICKED_SET_COMPLETE)
        .exec(),
    );
    const values = (replies ?? []).map(([err, value]) => {
      if (err) throw err;
      return value;
    });
    const [metaJson, stateJson, joinedJson] = values as Array<string | null>;
    const kicked = KickedPlayers.answer(values[3], values[4]);
    let quiz = parseMeta(metaJson ?? null);
    let state = stateJson ? (JSON.parse(stateJson) as QuestionState) : undefined;
    if (quiz === undefined || (quiz !== null && state === undefined && quiz.questions.some((q) => q.id === questionId))) {
      const rebuilt = await this.rebuild(quizId);
      quiz = rebuilt?.meta ?? null;
      state ??= rebuilt?.states.get(questionId);
    }
    if (!quiz) return { quiz: null, state: undefined, joinedAs: null, kicked: undefined };
    const joinedAs = joinedJson ?? (await this.joinedFromPostgres(quizId, playerId));
    return { quiz, state, joinedAs, kicked };
  }

  async joinedAs(quizId: string, playerId: string): Promise<string | null> {
    const cached = await guardRedis(this.redis, 'read joined', () => this.redis.hget(redisKeys.joined(quizId), playerId));
    return cached ?? (await this.joinedFromPostgres(quizId, playerId));
  }

  /**
   * Remembers a join in Postgres, so it survives a Redis restart before the processors have written
   * the row themselves (Redis learns it from join-claims.ts). The insert never overwrites: the
   * processors' row for the same PlayerJoined event carries the same values.
   */
  async recordJoin(quizId: string, playerId: string, displayName: string, joinedAt: number): Promise<void> {
    await guardPostgres('record join', () =>
      this.pg.query(
        `INSERT INTO players (quiz_id, player_id, display_name, joined_at) VALUES ($1, $2, $3, to_timestamp($4 / 1000.0))
         ON CONFLICT (quiz_id, player_id) DO NOTHING`,
        [quizId, playerId, displayName, joinedAt],
      ),
    );
  }

  /** Admin path (holds the quiz lock): the state is now authoritative. */
  async cacheQuestionState(quizId: string, questionId: string, state: QuestionState): Promise<void> {
    const key = redisKeys.questionState(quizId);
    await guardRedis(this.redis, 'write question state', () =>
      this.redis.multi().hset(key, questionId, JSON.stringify(state)).expire(key, this.ttlSeconds).exec(),
    );
  }

  /** Drops a cached state so readers go to Postgres until the admin writes the new one. */
  async forgetQuestionState(quizId: string, questionId: string): Promise<void> {
    await guardRedis(this.redis, 'forget question state', () => this.redis.hdel(redisKeys.questionState(quizId), questionId));
  }

  async cacheQuiz(meta: QuizMeta, authoritative: boolean): Promise<void> {
    const key = redisKeys.quizMeta(meta.id);
    const json = JSON.stringify(meta);
    // A reader's fill leaves the status to the answer script, which copies it from whichever meta won.
    await guardRedis(this.redis, 'write quiz', (): Promise<unknown> =>
      authoritative
        ? this.redis.multi().set(key, json, 'EX', this.ttlSeconds).set(redisKeys.quizStatus(meta.id), meta.status, 'EX', this.ttlSeconds).exec()
        : this.redis.set(key, json, 'EX', this.ttlSeconds, 'NX'),
    );
  }

  async forgetQuiz(quizId: string): Promise<void> {
    await guardRedis(this.redis, 'forget quiz', () => this.redis.del(redisKeys.quizMeta(quizId), redisKeys.quizStatus(quizId)));
  }

  /** Reads the quiz from Postgres and refills the cache where it is empty. */
  private async rebuild(quizId: string): Promise<LoadedQuiz | null> {
    const loaded = await guardPostgres('load quiz', () => loadQuiz(this.pg, quizId));
    if (!loaded) {
      await guardRedis(this.redis, 'remember missing quiz', () =>
        this.redis.set(redisKeys.quizMeta(quizId), MISSING, 'EX', MISSING_TTL_SECONDS, 'NX'),
      );
      return null;
    }
    const { meta, states } = loaded;
    const stateKey = redisKeys.questionState(quizId);
    const fill = this.redis.multi().set(redisKeys.quizMeta(quizId), JSON.stringify(meta), 'EX', this.ttlSeconds, 'NX');
    for (const [questionId, state] of states) fill.hsetnx(stateKey, questionId, JSON.stringify(state));
    fill.expire(stateKey, this.ttlSeconds);
    await guardRedis(this.redis, 'refill quiz cache', () => fill.exec());
    return loaded;
  }

  private async joinedFromPostgres(quizId: string, playerId: string): Promise<string | null> {
    const { rows } = await guardPostgres('read joined', () =>
      this.pg.query<{ display_name: string }>('SELECT display_name FROM players WHERE quiz_id = $1 AND player_id = $2', [quizId, playerId]),
    );
    const name = rows[0]?.display_name;
    if (name === undefined) return null;
    const key = redisKeys.joined(quizId);
    await guardRedis(this.redis, 'refill joined', () => this.redis.multi().hsetnx(key, playerId, name).expire(key, this.ttlSeconds).exec());
    return name;
  }
}

const PIN_ATTEMPTS = 20;
const UNIQUE_VIOLATION = '23505';

/** A random game PIN: six digits, no leading zero (a number field on a phone would drop it). */
export function randomPin(): string {
  return String(randomInt(100_000, 1_000_000));
}

/**
 * Runs `write` with random PINs until one is free among open quizzes. The partial unique index
 * quizzes_open_pin decides, so two instances picking the same PIN at once cannot both get it; each
 * try runs in a savepoint, since a failed statement would abort the whole transaction. A taken quiz
 * id (the primary key) is a 409, not a reason to try another PIN.
 */
async function withFreePin(tx: PoolClient, quizId: string, write: (pin: string) => Promise<{ rows: QuizRow[] }>): Promise<QuizRow> {
  for (let attempt = 1; ; attempt++) {
    await tx.query('SAVEPOINT pin');
    try {
      const { rows } = await write(randomPin());
      await tx.query('RELEASE SAVEPOINT pin');
      if (!rows[0]) throw new NotFoundError(`quiz "${quizId}" does not exist`, 'quiz_not_found');
      return rows[0];
    } catch (err) {
      const pgErr = err as { code?: string; constraint?: string };
      if (pgErr.code !== UNIQUE_VIOLATION) throw err;
      await tx.query('ROLLBACK TO SAVEPOINT pin');
      if (pgErr.constraint === 'quizzes_pkey') throw new ConflictError(`quiz "${quizId}" already exists`, 'quiz_exists');
      if (pgErr.constraint !== 'quizzes_open_pin' || attempt >= PIN_ATTEMPTS) throw err;
    }
  }
}

/** Works on the pool or on a client inside the admin's transaction. */
export async function loadQuiz(
  db: Pool | PoolClient,
  quizId: string,
  lock = false,
): Promise<LoadedQuiz | null> {
  const quiz = await db.query<QuizRow>(
    `SELECT ${QUIZ_COLUMNS} FROM quizzes WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [quizId],
  );
  const row = quiz.rows[0];
  if (!row) return null;
  const questions = await db.query<QuestionRow>(`SELECT ${QUESTION_COLUMNS} FROM questions WHERE quiz_id = $1 ORDER BY position`, [quizId]);
  return {
    meta: metaOf(row, questions.rows),
    states: new Map(questions.rows.map((q) => [q.id, stateOfRow(q)])),
  };
}
