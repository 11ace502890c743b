import {
  AbortedError,
  AppError,
  ConflictError,
  ERROR_CODES,
  NotFoundError,
  PoisonMessageError,
  RateLimitedError,
  RedisTimeout,
  TooManyStreamsError,
  UnavailableError,
  UnprocessableError,
  UnstorableRecordError,
  ValidationError,
  isRetriable,
} from '../../common/errors';

describe('the table of error codes', () => {
  it('gives every code a 4xx or 5xx, and says a retry can help exactly where a client should retry', () => {
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect({ code, statuses: spec.statuses.every((s) => s >= 400 && s < 600) }).toEqual({ code, statuses: true });
      // 429 and 503 come with Retry-After; a 500 is ours: worth one more try, unless the stored data itself is bad.
      const expected = spec.statuses.some((s) => s === 429 || s === 503) || code === 'internal';
      expect({ code, retriable: spec.retriable }).toEqual({ code, retriable: expected });
    }
  });

  it('is where an error takes its status and retriable from', () => {
    expect(new ValidationError('x')).toMatchObject({ code: 'invalid_request', status: 400, retriable: false });
    expect(new NotFoundError('x', 'quiz_not_found')).toMatchObject({ status: 404, retriable: false });
    expect(new ConflictError('x', 'quiz_closed')).toMatchObject({ status: 409 });
    expect(new UnprocessableError('x', 'quiz_closed')).toMatchObject({ status: 422 });
    expect(new RateLimitedError(3)).toMatchObject({ code: 'rate_limited', status: 429, retriable: true, details: { retryAfterSeconds: 3 } });
    expect(new TooManyStreamsError(5)).toMatchObject({ code: 'too_many_streams', status: 429, retriable: true, retryAfterSeconds: 5 });
    expect(new UnavailableError('x', 2, 'redis_unavailable')).toMatchObject({ status: 503, retriable: true, retryAfterSeconds: 2 });
    expect(new AppError('bad_request', 'x', undefined, 416)).toMatchObject({ status: 416, retriable: false });
    expect(new AppError('internal', 'x')).toMatchObject({ status: 500, retriable: true });
  });

  it('serializes to the error body clients read', () => {
    expect(JSON.parse(JSON.stringify(new ConflictError('taken', 'name_taken', { suggestion: 'Ann 2' })))).toEqual({
      error: { code: 'name_taken', message: 'taken', details: { suggestion: 'Ann 2' } },
    });
  });
});

describe('isRetriable', () => {
  it('believes our own errors', () => {
    expect(isRetriable(new UnavailableError('down'))).toBe(true);
    expect(isRetriable(new RedisTimeout('no reply'))).toBe(true);
    expect(isRetriable(new PoisonMessageError('bad bytes'))).toBe(false);
    expect(isRetriable(new UnstorableRecordError('bad timestamp'))).toBe(false);
    expect(isRetriable(new AbortedError('insert', new Error('down')))).toBe(false);
  });

  it('never retries a payload its schema refuses', () => {
    const refused = Object.assign(new Error('invalid payload'), { name: 'ConfluentSchemaRegistryValidationError' });
    expect(isRetriable(refused)).toBe(false);
  });

  it("retries a client library's failure whatever its own flag says (every retried step is idempotent)", () => {
    const kafkaGaveUp = Object.assign(new Error('number of retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false });
    expect(isRetriable(kafkaGaveUp)).toBe(true);
    expect(isRetriable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
  });
});
