import type { AnswerBody } from './answer';
import type { Choice, PublicQuiz, QuestionType } from './quiz';

// A small client for ingest's v1 API (another origin: ingest answers CORS for the push origin).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface RequestOptions {
  body?: unknown;
  token?: string;
  adminKey?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ingest's {"error": {code, message, details}} as an ApiError; a 400 names each offending field. */
function apiError(res: Response, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
  const retryAfter = Number(res.headers.get('retry-after'));
  // A host fixing pasted JSON needs each field's problem ({path, message}).
  const details = Array.isArray(error?.details)
    ? (error.details as Array<{ path?: unknown; message?: unknown }>)
        .filter((d) => typeof d.message === 'string')
        .map((d) => (typeof d.path === 'string' ? `${d.path}: ${String(d.message)}` : String(d.message)))
    : [];
  return new ApiError(
    res.status,
    error?.code ?? `http_${res.status}`,
    `${error?.message ?? `HTTP ${res.status}`}${details.length ? ` (${details.join('; ')})` : ''}`,
    Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
  );
}

export class IngestApi {
  constructor(private readonly base: string) {}

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, opts);
    const text = await res.text();
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch (err) {
        throw new ApiError(res.status, 'bad_reply', `The server sent something that is not JSON (${(err as Error).message}).`, undefined);
      }
    }
    if (!res.ok) throw apiError(res, body);
    return body as T;
  }

  /** A file the host downloads (the results CSVs): the body as is. */
  async file(path: string, adminKey: string): Promise<Blob> {
    const res = await this.send('GET', path, { adminKey });
    if (!res.ok) {
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (err) {
        throw new ApiError(res.status, `http_${res.status}`, `HTTP ${res.status} (${(err as Error).message})`, undefined);
      }
      throw apiError(res, body);
    }
    return res.blob();
  }

  private async send(method: 'GET' | 'POST' | 'DELETE', path: string, opts: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = {};
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.adminKey) headers['x-admin-key'] = opts.adminKey;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      // Offline, refused, CORS refused or timed out: the browser says little more than that.
      throw new ApiError(0, 'network', `Cannot reach the quiz server (${(err as Error).message}).`, 1);
    }
    return res;
  }

  /** The quiz that has this game PIN now. */
  pin(pin: string) {
    return this.request<{ pin: string; quizId: string }>('GET', `/v1/pins/${encodeURIComponent(pin)}`);
  }

  reveal(quizId: string, questionId: string) {
    // accepted: a text question's spellings (absent from an ingest older than question types).
    return this.request<{ questionId: string; correct: string[]; accepted?: string[]; counts: Record<string, number>; answered: number }>(
      'GET',
      `/v1/quizzes/${encodeURIComponent(quizId)}/questions/${encodeURIComponent(questionId)}/reveal`,
    );
  }

  kick(adminKey: string, quizId: string, playerId: string) {
    return this.request<{ kickedAt: string }>('DELETE', `/v1/quizzes/${encodeURIComponent(quizId)}/players/${encodeURIComponent(playerId)}`, { adminKey });
  }

  /**
   * Retries what the server asks to be retried (429, 503, network errors) after its Retry-After.
   * Only for calls that are safe to repeat: joins are idempotent, answers carry an answerId.
   */
  async withRetry<T>(call: () => Promise<T>, attempts = 4): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        const retriable = err instanceof ApiError && (err.status === 0 || err.status === 429 || err.status === 503);
        if (!retriable || attempt >= attempts) throw err;
        await sleep(Math.min(5, err.retryAfterSeconds ?? 1) * 1000);
      }
    }
  }

  devToken(playerId: string, displayName: string) {
    return this.request<{ token: string; expiresAt: string; playerId: string }>('POST', '/v1/auth/dev-token', { body: { playerId, displayName } });
  }

  join(quizId: string, token: string, displayName: string) {
    return this.withRetry(() =>
      this.request<{ playerId: string; displayName: string }>('POST', `/v1/quizzes/${encodeURIComponent(quizId)}/players`, {
        token,
        body: { displayName },
      }),
    );
  }

  quiz(quizId: string) {
    return this.request<PublicQuiz>('GET', `/v1/quizzes/${encodeURIComponent(quizId)}`);
  }

  answer(quizId: string, token: string, body: AnswerBody) {
    return this.withRetry(() => this.request<{ answerId: string }>('POST', `/v1/quizzes/${encodeURIComponent(quizId)}/answers`, { token, body }));
  }

  createQuiz(adminKey: string, quiz: unknown) {
    return this.request<{
      id: string;
      title: string;
      pin?: string | null;
      // The admin's echo, answer key included: a text question's accepted spellings, no choices.
      questions: Array<{ id: string; prompt: string; type?: QuestionType; choices?: Choice[]; correct: string[]; accepted?: string[]; timeLimitMs: number }>;
    }>(
      'POST',
      '/v1/quizzes',
      { adminKey, body: quiz },
    );
  }

  openQuestion(adminKey: string, quizId: string, questionId: string) {
    return this.request<{ openedAt: string; closesAt: string }>(
      'POST',
      `/v1/quizzes/${encodeURIComponent(quizId)}/questions/${encodeURIComponent(questionId)}/open`,
      { adminKey },
    );
  }

  closeQuestion(adminKey: string, quizId: string, questionId: string) {
    return this.request<{ closedAt: string }>(
      'POST',
      `/v1/quizzes/${encodeURIComponent(quizId)}/questions/${encodeURIComponent(questionId)}/close`,
      { adminKey },
    );
  }

  closeQuiz(adminKey: string, quizId: string) {
    return this.request<{ closedAt: string }>('POST', `/v1/quizzes/${encodeURIComponent(quizId)}/close`, { adminKey });
  }
}
