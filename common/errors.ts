// Every error the system raises on purpose, in one place. Each says whether trying the same thing
// again can succeed (`retriable`): the retry helper (common/retry.ts) reads it, and so do clients,
// through the status and Retry-After. Errors a client sees carry a `code` from ERROR_CODES below,
// in {"error": {"code", "message", "details"}}; the table is the one list of those codes.

/** Base of our own errors: only these are trusted to say whether they are retriable. */
export class QuizstreamError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

interface CodeSpec {
  /** The first is the code's usual status; a code some routes answer with another lists both. */
  statuses: readonly number[];
  retriable: boolean;
  /** When a tier answers with it (ingest/README.md and push/README.md list them per route). */
  meaning: string;
}

/**
 * The codes clients see, their HTTP status and whether a retry can succeed. Redis being down is
 * `cache_unavailable` in ingest (Redis is its cache there) and `redis_unavailable` in push: both are
 * published contracts (the READMEs, OpenAPI and clients rely on them), so they stay as they are.
 */
export const ERROR_CODES = {
  invalid_request: { statuses: [400], retriable: false, meaning: 'a body, parameter or header breaks the contract; details name each field' },
  bad_request: { statuses: [400], retriable: false, meaning: 'the request could not be read (another 4xx from the HTTP layer keeps its status)' },
  invalid_answer: { statuses: [400], retriable: false, meaning: "the answer's form does not suit the question's type (choiceId or choiceIds for choice and true/false questions, text for text ones; one pick where one choice is correct)" },
  unauthorized: { statuses: [401], retriable: false, meaning: 'no valid bearer token' },
  invalid_token: { statuses: [401], retriable: false, meaning: 'the token does not verify, or its subject is not a valid player id' },
  token_expired: { statuses: [401], retriable: false, meaning: 'the token has expired' },
  admin_key_required: { statuses: [401], retriable: false, meaning: 'an admin route without x-admin-key' },
  invalid_admin_key: { statuses: [401], retriable: false, meaning: 'a wrong admin key' },
  forbidden: { statuses: [403], retriable: false, meaning: 'authenticated, but not allowed' },
  not_joined: { statuses: [403], retriable: false, meaning: 'the player has not joined the quiz' },
  kicked: { statuses: [403], retriable: false, meaning: 'the host removed this player from the quiz: no rejoining, no answers' },
  not_found: { statuses: [404], retriable: false, meaning: 'no such resource' },
  route_not_found: { statuses: [404], retriable: false, meaning: 'no route for this method and path' },
  quiz_not_found: { statuses: [404], retriable: false, meaning: 'no such quiz' },
  question_not_found: { statuses: [404], retriable: false, meaning: 'the quiz has no such question' },
  player_not_found: { statuses: [404], retriable: false, meaning: 'the player is not on the leaderboard (push), or never joined the quiz (ingest)' },
  pin_not_found: { statuses: [404], retriable: false, meaning: 'no quiz that is not closed has this game PIN' },
  leaderboard_not_found: { statuses: [404], retriable: false, meaning: 'nothing processed for the quiz yet' },
  conflict: { statuses: [409], retriable: false, meaning: 'the request conflicts with the current state' },
  quiz_exists: { statuses: [409], retriable: false, meaning: 'a quiz with this id exists' },
  question_already_open: { statuses: [409], retriable: false, meaning: 'another question of the quiz is open' },
  already_answered: { statuses: [409], retriable: false, meaning: 'the player answered this question already (first answer wins)' },
  answer_pending: { statuses: [409], retriable: false, meaning: 'the same answerId is still being written; retry in a moment' },
  join_pending: { statuses: [409], retriable: false, meaning: "the player's first join is still being written; retry in a moment" },
  name_taken: { statuses: [409], retriable: false, meaning: 'another player of the quiz has this name once normalized' },
  quiz_not_closed: { statuses: [409], retriable: false, meaning: 'the results of a quiz are ready once it is closed' },
  question_not_closed: { statuses: [409], retriable: false, meaning: 'the reveal of a question is public once it is closed' },
  payload_too_large: { statuses: [413], retriable: false, meaning: 'the body is over the limit' },
  unsupported_media_type: { statuses: [415], retriable: false, meaning: 'a body that is not JSON' },
  unprocessable: { statuses: [422], retriable: false, meaning: 'well-formed, but not applicable now' },
  quiz_closed: { statuses: [409, 422], retriable: false, meaning: 'the quiz is closed: 409 to the host, 422 to a player joining or answering' },
  question_closed: { statuses: [409], retriable: false, meaning: 'the question is closed already (host)' },
  question_not_open: { statuses: [409, 422], retriable: false, meaning: 'the question is not open: 409 to a host closing it, 422 to a player answering it' },
  name_rejected: { statuses: [422], retriable: false, meaning: 'the display name is not allowed' },
  poison_message: { statuses: [422], retriable: false, meaning: 'a Kafka message that cannot be decoded or applied (dead-lettered, never an HTTP answer)' },
  rate_limited: { statuses: [429], retriable: true, meaning: 'over a rate limit; Retry-After says when' },
  too_many_streams: { statuses: [429], retriable: true, meaning: 'this client address holds its maximum of streams on the instance' },
  internal: { statuses: [500], retriable: true, meaning: 'a bug of ours (logged)' },
  snapshot_unreadable: { statuses: [500], retriable: false, meaning: 'the snapshot in Redis does not match the v1 shape' },
  unavailable: { statuses: [503], retriable: true, meaning: 'a dependency cannot take the work now' },
  kafka_unavailable: { statuses: [503], retriable: true, meaning: 'Kafka did not acknowledge in time, or too many writes wait for it' },
  cache_unavailable: { statuses: [503], retriable: true, meaning: 'ingest: Redis unreachable' },
  redis_unavailable: { statuses: [503], retriable: true, meaning: 'push: Redis unreachable' },
  database_unavailable: { statuses: [503], retriable: true, meaning: 'Postgres unreachable' },
  auth_unavailable: { statuses: [503], retriable: true, meaning: "the identity provider's key set cannot be fetched" },
  memory_limit: { statuses: [503], retriable: true, meaning: 'push: the instance is near its memory ceiling' },
  too_many_connections: { statuses: [503], retriable: true, meaning: 'push: the instance serves its maximum of streams' },
  results_pending: { statuses: [503], retriable: true, meaning: 'closed, but the processors have not released its results yet; Retry-After says when to ask again' },
  shutting_down: { statuses: [503], retriable: true, meaning: 'push: the instance is stopping; reconnect to another' },
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;
/** The codes of one status, so each error class takes only its own. */
export type CodeWithStatus<S extends number> = { [K in ErrorCode]: S extends (typeof ERROR_CODES)[K]['statuses'][number] ? K : never }[ErrorCode];

/** An error a client sees: whether it is retriable comes from its code's row in ERROR_CODES. */
export class AppError extends QuizstreamError {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** One of the code's statuses (bad_request keeps the HTTP layer's own 4xx); its first by default. */
    status: number = ERROR_CODES[code].statuses[0]!,
  ) {
    super(message, ERROR_CODES[code].retriable);
    this.status = status;
  }

  toJSON(): { error: { code: string; message: string; details?: unknown } } {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown, code: CodeWithStatus<400> = 'invalid_request') {
    super(code, message, details, 400);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'missing or invalid bearer token', code: CodeWithStatus<401> = 'unauthorized') {
    super(code, message, undefined, 401);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, code: CodeWithStatus<403> = 'forbidden') {
    super(code, message, undefined, 403);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, code: CodeWithStatus<404> = 'not_found') {
    super(code, message, undefined, 404);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code: CodeWithStatus<409> = 'conflict', details?: unknown) {
    super(code, message, details, 409);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = 'request body too large') {
    super('payload_too_large', message);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super('unsupported_media_type', message);
  }
}

export class UnprocessableError extends AppError {
  constructor(message: string, code: Exclude<CodeWithStatus<422>, 'poison_message'> = 'unprocessable', details?: unknown) {
    super(code, message, details, 422);
  }
}

export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', 'too many requests', { retryAfterSeconds });
  }
}

/** One client address holds as many streams as one push instance gives it. */
export class TooManyStreamsError extends AppError {
  readonly retryAfterSeconds = 5;

  constructor(limit: number) {
    super('too_many_streams', `this client address already holds ${limit} streams on this instance; close one first`, { limit });
  }
}

/** A dependency (Kafka, Redis, Postgres, registry) cannot take the work right now. */
export class UnavailableError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
    code: CodeWithStatus<503> = 'unavailable',
  ) {
    super(code, message, { retryAfterSeconds }, 503);
  }
}

/** A message on a topic that cannot be decoded or applied; it goes to the dead-letter topic. */
export class PoisonMessageError extends AppError {
  constructor(message: string, details?: unknown) {
    super('poison_message', message, details);
  }
}

// Errors no client sees as such.

/** A bad setting: start-up stops with every problem named (see parseEnv). */
export class ConfigError extends QuizstreamError {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`, false);
  }
}

/** A command line the operator tools (`npm run analytics`, `npm run dead-letters`) cannot run. */
export class UsageError extends QuizstreamError {
  constructor(message: string) {
    super(message, false);
  }
}

/** A retry gave up: the partition was revoked, or the process is stopping, while a dependency was failing. */
export class AbortedError extends QuizstreamError {
  constructor(
    what: string,
    readonly lastError?: unknown,
  ) {
    super(`${what}: gave up retrying${lastError === undefined ? ' (stopping)' : `: ${(lastError as Error)?.message ?? String(lastError)}`}`, false);
  }
}

/** A Redis command that got no reply in time (ingest's guard turns it into a 503). */
export class RedisTimeout extends QuizstreamError {
  constructor(message: string) {
    super(message, true);
  }
}

/** The snapshot JSON in Redis does not match the v1 shape push serves. */
export class SnapshotFormatError extends QuizstreamError {
  constructor(message: string) {
    super(message, false);
  }
}

/** A record whose values ClickHouse cannot store (it would reject the whole batch for it). */
export class UnstorableRecordError extends QuizstreamError {
  constructor(message: string) {
    super(message, false);
  }
}

/** The message itself is bad: retrying cannot fix it, it is dead-lettered (processors) or skipped (sink). */
export function isPoison(err: unknown): boolean {
  if (err instanceof PoisonMessageError) return true;
  // @kafkajs/confluent-schema-registry rejects a payload its schema does not accept with this error.
  return (err as Error)?.name === 'ConfluentSchemaRegistryValidationError';
}

/**
 * Whether another attempt can succeed. Our own errors say so; a poison message never; anything else
 * (a client library's error for a dependency that is down: pg, ioredis, kafkajs, ClickHouse) is
 * worth another attempt, whatever that library's own flags say, since every step we retry is idempotent.
 */
export function isRetriable(err: unknown): boolean {
  if (err instanceof QuizstreamError) return err.retriable;
  return !isPoison(err);
}
