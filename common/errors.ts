// One place for every error the system raises on purpose. `code` is machine-readable and is what
// clients see in {"error": {"code", "message", "details"}}; `retriable` tells callers (and our own
// retry loops) whether trying the same thing again can succeed.

export class AppError extends Error {
  constructor(
    public readonly code: string,
    message: string,
    public readonly status: number,
    public readonly retriable = false,
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }

  toJSON(): { error: { code: string; message: string; details?: unknown } } {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super('invalid_request', message, 400, false, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'missing or invalid bearer token', code = 'unauthorized') {
    super(code, message, 401);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, code = 'forbidden') {
    super(code, message, 403);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, code = 'not_found') {
    super(code, message, 404);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict', details?: unknown) {
    super(code, message, 409, false, details);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = 'request body too large') {
    super('payload_too_large', message, 413);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super('unsupported_media_type', message, 415);
  }
}

export class UnprocessableError extends AppError {
  constructor(message: string, code = 'unprocessable', details?: unknown) {
    super(code, message, 422, false, details);
  }
}

export class RateLimitedError extends AppError {
  constructor(public readonly retryAfterSeconds: number) {
    super('rate_limited', 'too many requests', 429, true, { retryAfterSeconds });
  }
}

/** A dependency (Kafka, Redis, Postgres, registry) cannot take the work right now. */
export class UnavailableError extends AppError {
  constructor(
    message: string,
    public readonly retryAfterSeconds = 1,
    code = 'unavailable',
  ) {
    super(code, message, 503, true, { retryAfterSeconds });
  }
}

/** A message on a topic that cannot be decoded or applied; it goes to the dead-letter topic. */
export class PoisonMessageError extends AppError {
  constructor(message: string, details?: unknown) {
    super('poison_message', message, 422, false, details);
  }
}
