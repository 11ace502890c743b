import { randomUUID } from 'node:crypto';
import { acceptedName } from '../../helpers/player-names';
import { createdQuizIds } from './bench-cleanup';

// Sets a quiz up through ingest's public API, as a host and players would: create it, get dev
// tokens, join, open questions. Every answer the bench sends needs its own (player, question)
// pair, so the number of pairs bounds how many answers a run can send.

export const ADMIN_KEY = process.env.ADMIN_KEY ?? 'dev-admin-key';

export interface BenchPlayer {
  id: string;
  token: string;
}

export interface BenchQuiz {
  quizId: string;
  questionIds: string[];
  players: BenchPlayer[];
}

async function call(base: string, method: string, path: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch (err) {
    json = { raw: text, parseError: (err as Error).message };
  }
  return { status: res.status, json };
}

async function expectStatus(send: () => Promise<{ status: number; json: unknown }>, ok: number[], what: string): Promise<unknown> {
  // A 503 (the shared Postgres out of connections, Kafka slow) is retried as its Retry-After asks,
  // a bounded number of times; set-up is not what is measured.
  for (let attempt = 1; ; attempt++) {
    const r = await send();
    if (ok.includes(r.status)) return r.json;
    if (r.status !== 503 || attempt >= 20) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Runs fn over items with at most `width` in flight. */
export async function inParallel<T, R>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(width, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

export interface QuizSetupOptions {
  players: number;
  questions: number;
  /** Open every question now (answers need an open question). */
  openAll: boolean;
  playerPrefix?: string;
  /** Sent only when given: ingest's default (onClose) otherwise. Figures of answer → board need live. */
  scoreVisibility?: 'onClose' | 'live';
}

export async function setUpQuiz(ingestUrl: string, o: QuizSetupOptions): Promise<BenchQuiz> {
  const quizId = `bench-${randomUUID().slice(0, 8)}`;
  const questionIds = Array.from({ length: o.questions }, (_, i) => `q${i + 1}`);
  await expectStatus(
    () => call(ingestUrl, 'POST', '/v1/quizzes', {
      id: quizId,
      title: 'bench quiz',
      ...(o.scoreVisibility ? { scoreVisibility: o.scoreVisibility } : {}),
      questions: questionIds.map((id) => ({
        id,
        prompt: `Bench question ${id}?`,
        choices: ['a', 'b', 'c', 'd'].map((c) => ({ id: c, text: `choice ${c}` })),
        correct: ['a'],
        // The longest limit ingest allows, so no question closes while a run is still sending.
        timeLimitMs: 3_600_000,
      })),
    }, { 'x-admin-key': ADMIN_KEY }),
    [201],
    'create quiz',
  );
  createdQuizIds.push(quizId);
  const prefix = o.playerPrefix ?? `${quizId}-p`;
  const ids = Array.from({ length: o.players }, (_, i) => `${prefix}${i}`);
  const players = await inParallel(ids, 64, async (id) => {
    const body = (await expectStatus(() => call(ingestUrl, 'POST', '/v1/auth/dev-token', { playerId: id, displayName: acceptedName(`Player ${id.slice(-12)}`) }, {}), [200], 'dev token')) as { token: string };
    await expectStatus(() => call(ingestUrl, 'POST', `/v1/quizzes/${quizId}/players`, {}, { authorization: `Bearer ${body.token}` }), [200, 201], 'join');
    return { id, token: body.token };
  });
  if (o.openAll) await openQuestions(ingestUrl, quizId, questionIds);
  return { quizId, questionIds, players };
}

export async function openQuestions(ingestUrl: string, quizId: string, questionIds: string[]): Promise<void> {
  for (const q of questionIds) {
    await expectStatus(() => call(ingestUrl, 'POST', `/v1/quizzes/${quizId}/questions/${q}/open`, {}, { 'x-admin-key': ADMIN_KEY }), [200], `open ${q}`);
  }
}

/** Closes a question as the host does; resolves with the close's 200. */
export async function closeQuestion(ingestUrl: string, quizId: string, questionId: string): Promise<void> {
  await expectStatus(() => call(ingestUrl, 'POST', `/v1/quizzes/${quizId}/questions/${questionId}/close`, {}, { 'x-admin-key': ADMIN_KEY }), [200], `close ${questionId}`);
}

/**
 * Hands out distinct (player, question) pairs in order: all players on question 1, then question 2,
 * ... A run that needs more pairs than the quiz has gets `undefined` and stops sending.
 */
export class AnswerPairs {
  private next = 0;
  private readonly endQuestion: number;

  /** The pairs of questions firstQuestion up to endQuestion (exclusive; default: the last). */
  constructor(
    private readonly quiz: BenchQuiz,
    private readonly firstQuestion = 0,
    endQuestion?: number,
  ) {
    this.endQuestion = Math.min(endQuestion ?? quiz.questionIds.length, quiz.questionIds.length);
  }

  get capacity(): number {
    return this.quiz.players.length * (this.endQuestion - this.firstQuestion);
  }

  take(): { player: BenchPlayer; questionId: string } | undefined {
    const i = this.next++;
    const n = this.quiz.players.length;
    const q = this.firstQuestion + Math.floor(i / n);
    if (q >= this.endQuestion) return undefined;
    return { player: this.quiz.players[i % n]!, questionId: this.quiz.questionIds[q]! };
  }
}
