import { openApiDocument } from '../../ingest/openapi';
import { acceptedName } from './player-names';

// A small HTTP client for ingest tests. Every reply it sees is recorded, and when the test file
// ends it checks that each (route, status) it observed is documented in the OpenAPI document.

// Tests read reply fields directly and let jest matchers check their shape, rather than declaring
// a type for every body.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

export interface Reply<T = Loose> {
  status: number;
  body: T;
  headers: Headers;
  ms: number;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is, with whatever content type `headers` says. */
  rawBody?: string | Buffer;
  token?: string;
  adminKey?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const observed: Array<{ method: string; path: string; status: number }> = [];

export function observations(): ReadonlyArray<{ method: string; path: string; status: number }> {
  return observed;
}

export class IngestClient {
  constructor(
    readonly baseUrl: string,
    private readonly adminKey = 'dev-admin-key',
  ) {}

  async request<T = Loose>(method: string, path: string, opts: RequestOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    let body: string | Buffer | undefined;
    if (opts.rawBody !== undefined) body = opts.rawBody;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.adminKey) headers['x-admin-key'] = opts.adminKey;
    const started = Date.now();
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body, signal: opts.signal ?? AbortSignal.timeout(10_000) });
    const text = await res.text();
    const ms = Date.now() - started;
    // Record the path the server saw: fetch resolves "." and ".." segments before sending.
    observed.push({ method, path: new URL(`${this.baseUrl}${path}`).pathname, status: res.status });
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, headers: res.headers, ms };
  }

  admin<T = Loose>(method: string, path: string, body?: unknown): Promise<Reply<T>> {
    return this.request<T>(method, path, { body, adminKey: this.adminKey });
  }

  createQuiz(quiz: unknown) {
    return this.admin('POST', '/v1/quizzes', quiz);
  }

  open(quizId: string, questionId: string) {
    return this.admin('POST', `/v1/quizzes/${quizId}/questions/${questionId}/open`);
  }

  close(quizId: string, questionId: string) {
    return this.admin('POST', `/v1/quizzes/${quizId}/questions/${questionId}/close`);
  }

  closeQuiz(quizId: string) {
    return this.admin('POST', `/v1/quizzes/${quizId}/close`);
  }

  async token(playerId: string, displayName = acceptedName(playerId)): Promise<string> {
    const r = await this.request<{ token: string }>('POST', '/v1/auth/dev-token', { body: { playerId, displayName } });
    if (r.status !== 200) throw new Error(`dev-token: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.token;
  }

  join(quizId: string, token: string, displayName?: string) {
    return this.request('POST', `/v1/quizzes/${quizId}/players`, { token, body: displayName === undefined ? {} : { displayName } });
  }

  answer(quizId: string, token: string, body: unknown) {
    return this.request('POST', `/v1/quizzes/${quizId}/answers`, { token, body });
  }
}

export function sampleQuiz(id: string, overrides: { timeLimitMs?: number; questions?: number } = {}) {
  const n = overrides.questions ?? 3;
  return {
    id,
    title: `Test quiz ${id}`,
    questions: Array.from({ length: n }, (_, i) => ({
      id: `q${i + 1}`,
      prompt: `Question ${i + 1}?`,
      choices: [
        { id: 'a', text: 'Alpha' },
        { id: 'b', text: 'Bravo' },
        { id: 'c', text: 'Charlie' },
      ],
      correct: ['b'],
      points: 1000,
      timeLimitMs: overrides.timeLimitMs ?? 20_000,
    })),
  };
}

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

/** The documented statuses of the route a concrete request belongs to, or undefined if no route matches. */
export function documentedStatuses(method: string, path: string): string[] | undefined {
  const doc = openApiDocument({ devTokens: true }) as unknown as Doc;
  const clean = path.split('?')[0]!;
  for (const [template, ops] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const op = ops[method.toLowerCase()];
    if (op && pattern.test(clean)) return Object.keys(op.responses);
  }
  return undefined;
}

afterAll(() => {
  const undocumented = observed.filter((o) => {
    const statuses = documentedStatuses(o.method, o.path);
    // Paths that match no route (and so 404 route_not_found) are not part of the contract.
    return statuses !== undefined && !statuses.includes(String(o.status));
  });
  const unique = [...new Set(undocumented.map((o) => `${o.method} ${o.path} -> ${o.status}`))];
  expect(unique).toEqual([]);
});
