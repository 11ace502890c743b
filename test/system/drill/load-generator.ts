import { randomBytes } from 'node:crypto';
import type { ScoreVisibility } from '../../helpers/reference-ranking';
import { errorCode, httpJson, retryAfterMs, sleep, type HttpReply } from './http-client';
import { acceptedName } from '../../helpers/player-names';

// The steady load of a scenario: a few quizzes, each with players who join, then answer every
// question the host opens, once, like real clients. A client whose answer gets 503, 429, a
// connection error or 409 answer_pending retries with the same answerId (honouring Retry-After)
// until it gets a final answer; every 202 is recorded as ground truth. The host opens a question,
// waits for the players, and closes it, retrying admin calls the same way.

export interface QuizPlan {
  quizId: string;
  scoreVisibility: ScoreVisibility;
  /** Every other quiz plays with the answer streak on and flat points, the others with speed and partial points, so the kills test each rule's exactly-once. */
  streak: boolean;
  scoring: 'speed' | 'flat';
  partial: boolean;
  /** The question types take turns: one correct choice, several, true/false, a typed answer. */
  questions: DrillQuestion[];
  players: Array<{ playerId: string; displayName: string }>;
}

export type DrillQuestion = { id: string; points: number; timeLimitMs: number } & (
  | { type: 'choice' | 'truefalse'; correct: string[] }
  | { type: 'text'; accepted: string[]; ignoreAccents: boolean }
);

export interface AcceptedAnswer {
  quizId: string;
  questionId: string;
  playerId: string;
  answerId: string;
  /** The request's body beyond questionId and answerId: choiceId, choiceIds or text. */
  pick: AnswerPick;
  /** When the client got its 202. */
  at: number;
}

export interface LoadStats {
  requests: number;
  retries: number;
  /** 503 replies, and how many of them carried Retry-After. */
  unavailable: number;
  unavailableWithRetryAfter: number;
  /** When each 503 came (ms since the epoch): how long ingest refused writes. */
  unavailableAt: number[];
  networkErrors: number;
  /** Answers that ended without a 202 (the question closed while the client was retrying). */
  gaveUp: number;
  unexpected: string[];
}

export interface LoadOptions {
  ingestUrl: string;
  adminKey: string;
  quizzes: number;
  players: number;
  /** Questions per quiz (enough for the scenario's length; the host stops when told). */
  questions: number;
  /** Time the players get to answer each question before the host closes it. */
  answerWindowMs: number;
  idPrefix: string;
  scoreVisibility: ScoreVisibility;
}

const CHOICES = ['a', 'b', 'c', 'd'];
const TRUE_FALSE = ['true', 'false'];
// Typed answers, right and wrong: case, surrounding spaces and accents are forgiven, the rest is not.
const ACCEPTED = ['café', 'coffee'];
const TYPED = ['cafe', ' CAFÉ ', 'Coffee', 'tea', 'cafés'];

type AnswerPick = { choiceId: string } | { choiceIds: string[] } | { text: string };

function drillQuestion(k: number, quizIndex: number): DrillQuestion {
  const base = { id: `q${k + 1}`, points: 1000, timeLimitMs: 180_000 }; // long enough that answers retried through a 20 s outage (and a slow broker start) still land
  switch (k % 4) {
    case 0:
      return { ...base, type: 'choice', correct: [CHOICES[(k + quizIndex) % CHOICES.length]!] };
    case 1:
      return { ...base, type: 'choice', correct: [CHOICES[(k + quizIndex) % CHOICES.length]!, CHOICES[(k + quizIndex + 1) % CHOICES.length]!] };
    case 2:
      return { ...base, type: 'truefalse', correct: [TRUE_FALSE[(k + quizIndex) % 2]!] };
    default:
      return { ...base, type: 'text', accepted: ACCEPTED, ignoreAccents: true };
  }
}

function randomPick(q: DrillQuestion): AnswerPick {
  const any = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
  if (q.type === 'text') return { text: any(TYPED) };
  if (q.type === 'truefalse') return { choiceId: any(TRUE_FALSE) };
  if (q.correct.length === 1) return { choiceId: any(CHOICES) };
  const picks = CHOICES.filter(() => Math.random() < 0.5);
  return { choiceIds: picks.length > 0 ? picks : [any(CHOICES)] };
}

function createBody(q: DrillQuestion): Record<string, unknown> {
  const common = { id: q.id, prompt: `Drill question ${q.id}?`, points: q.points, timeLimitMs: q.timeLimitMs };
  if (q.type === 'text') return { ...common, type: 'text', accepted: q.accepted, ignoreAccents: q.ignoreAccents };
  if (q.type === 'truefalse') return { ...common, type: 'truefalse', correct: q.correct };
  return { ...common, choices: CHOICES.map((c) => ({ id: c, text: `Choice ${c}` })), correct: q.correct };
}

export class LoadGenerator {
  readonly plans: QuizPlan[];
  readonly accepted: AcceptedAnswer[] = [];
  readonly stats: LoadStats = { requests: 0, retries: 0, unavailable: 0, unavailableWithRetryAfter: 0, unavailableAt: [], networkErrors: 0, gaveUp: 0, unexpected: [] };
  /** Every HTTP reply body the generator saw, for the security scan. */
  readonly transcript: string[] = [];
  private stopping = false;
  private hosts: Promise<void>[] = [];
  private readonly tokens = new Map<string, string>();

  constructor(private readonly o: LoadOptions) {
    this.plans = Array.from({ length: o.quizzes }, (_, i) => {
      const quizId = `${o.idPrefix}q${i}`;
      return {
        quizId,
        scoreVisibility: o.scoreVisibility,
        streak: i % 2 === 1,
        scoring: i % 2 === 1 ? ('flat' as const) : ('speed' as const),
        partial: i % 2 === 0,
        questions: Array.from({ length: o.questions }, (_, k) => drillQuestion(k, i)),
        players: Array.from({ length: o.players }, (_, p) => ({ playerId: `${o.idPrefix}p${i}_${p}`, displayName: acceptedName(`Player ${i}.${p}`) })),
      };
    });
  }

  /** Creates the quizzes and joins every player; resolves when the load is ready to start. */
  async prepare(): Promise<void> {
    for (const plan of this.plans) {
      await this.retrying('create quiz', () =>
        httpJson('POST', `${this.o.ingestUrl}/v1/quizzes`, {
          adminKey: this.o.adminKey,
          body: {
            id: plan.quizId,
            title: `Drill ${plan.quizId}`,
            scoreVisibility: plan.scoreVisibility,
            streak: plan.streak,
            scoring: plan.scoring,
            partial: plan.partial,
            questions: plan.questions.map(createBody),
          },
        }),
        (r) => r.status === 201 || errorCode(r) === 'quiz_exists',
      );
      await Promise.all(
        plan.players.map(async (p) => {
          const t = await this.retrying('dev token', () => httpJson('POST', `${this.o.ingestUrl}/v1/auth/dev-token`, { body: p }), (r) => r.status === 200);
          const token = (t.body as { token: string }).token;
          this.tokens.set(p.playerId, token);
          await this.retrying(
            'join',
            () => httpJson('POST', `${this.o.ingestUrl}/v1/quizzes/${plan.quizId}/players`, { token, body: { displayName: p.displayName } }),
            (r) => r.status === 201 || r.status === 200,
          );
        }),
      );
    }
  }

  /** Starts the hosts; each runs its quiz question after question until stop(). */
  start(): void {
    // A host that fails (a reply no client could retry) is reported by the scenario, not thrown
    // into the void while the drill is busy elsewhere.
    this.hosts = this.plans.map((plan) =>
      this.host(plan).catch((err: unknown) => {
        this.stats.unexpected.push(`host of ${plan.quizId}: ${(err as Error).message}`);
      }),
    );
  }

  /** Lets every host finish its current question (answers settle, the question closes). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.hosts);
  }

  acceptedFor(quizId: string): AcceptedAnswer[] {
    return this.accepted.filter((a) => a.quizId === quizId);
  }

  tokenOf(playerId: string): string | undefined {
    return this.tokens.get(playerId);
  }

  private async host(plan: QuizPlan): Promise<void> {
    for (const q of plan.questions) {
      if (this.stopping) return;
      const base = `${this.o.ingestUrl}/v1/quizzes/${plan.quizId}/questions/${q.id}`;
      await this.retrying('open', () => httpJson('POST', `${base}/open`, { adminKey: this.o.adminKey }), (r) => r.status === 200 || errorCode(r) === 'question_already_open');
      const started = Date.now();
      await Promise.all(plan.players.map((p) => this.answer(plan.quizId, q, p.playerId, this.o.answerWindowMs * 0.8)));
      await sleep(Math.max(0, this.o.answerWindowMs - (Date.now() - started)));
      await this.retrying(
        'close',
        () => httpJson('POST', `${base}/close`, { adminKey: this.o.adminKey }),
        (r) => r.status === 200 || ['question_closed', 'question_not_open'].includes(errorCode(r) ?? ''),
      );
    }
  }

  private async answer(quizId: string, question: DrillQuestion, playerId: string, spreadMs: number): Promise<void> {
    await sleep(Math.random() * spreadMs);
    const token = this.tokens.get(playerId)!;
    const questionId = question.id;
    const pick = randomPick(question);
    const answerId = `${playerId}-${questionId}-${randomBytes(4).toString('hex')}`;
    const url = `${this.o.ingestUrl}/v1/quizzes/${quizId}/answers`;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) this.stats.retries++;
      const r = await this.send(() => httpJson('POST', url, { token, body: { questionId, ...pick, answerId } }));
      if (r.status === 202) {
        this.accepted.push({ quizId, questionId, playerId, answerId, pick, at: Date.now() });
        return;
      }
      if (r.status === 422) {
        // The time limit passed while the client was still retrying: no 202, nothing to count.
        this.stats.gaveUp++;
        return;
      }
      if (!this.retriable(r)) {
        this.stats.unexpected.push(`answer ${answerId}: ${r.status} ${r.text.slice(0, 200)}`);
        return;
      }
      await sleep(r.status === 0 ? 500 : retryAfterMs(r, 300));
    }
  }

  private retriable(r: HttpReply): boolean {
    return r.status === 0 || r.status === 503 || r.status === 429 || r.status === 502 || errorCode(r) === 'answer_pending';
  }

  private async send(call: () => Promise<HttpReply>): Promise<HttpReply> {
    this.stats.requests++;
    const r = await call();
    if (r.status === 0) this.stats.networkErrors++;
    if (r.status === 503) {
      this.stats.unavailable++;
      this.stats.unavailableAt.push(Date.now());
      if (r.headers?.get('retry-after')) this.stats.unavailableWithRetryAfter++;
    }
    if (r.text) this.transcript.push(r.text);
    return r;
  }

  /** Repeats an idempotent call until `done` accepts the reply; retriable failures wait and retry. */
  private async retrying(what: string, call: () => Promise<HttpReply>, done: (r: HttpReply) => boolean): Promise<HttpReply> {
    const deadline = Date.now() + 120_000;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) this.stats.retries++;
      const r = await this.send(call);
      if (done(r)) return r;
      if (!this.retriable(r) || Date.now() > deadline) throw new Error(`${what}: ${r.status} ${r.error ?? r.text.slice(0, 300)}`);
      await sleep(r.status === 0 ? 500 : retryAfterMs(r, 300));
    }
  }
}
