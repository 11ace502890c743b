import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import type { Pool } from 'pg';
import type { DecodedEvent, QuestionOpened } from '../../common/messages/events';
import type { EventCodec } from '../../common/codec';
import type { RefAnswer, RefJoin, RefQuestion, RefRules, ScoreVisibility } from './reference-ranking';

// A random quiz as ingest would have written it: the Postgres rows (quiz, questions with the key and
// their open/close times) and the quiz.events stream (joins, opens, answers with duplicates,
// redeliveries, wrong and late ones, closes). Seeded, so a failing run can be replayed.

export type QuizEvent = Extract<DecodedEvent, { type: 'PlayerJoined' | 'QuestionOpened' | 'QuestionClosed' | 'AnswerSubmitted' | 'QuizClosed' }>;

export interface Workload {
  quizId: string;
  scoreVisibility: ScoreVisibility;
  questions: Array<RefQuestion & { prompt: string; choices: Array<{ id: string; text: string }> }>;
  joins: RefJoin[];
  /** Every AnswerSubmitted in stream order (duplicates and redeliveries included). */
  answers: RefAnswer[];
  events: QuizEvent[];
  /** The quiz's scoring options (stored on its row); default speed, no streak, no partial credit. */
  rules?: RefRules;
}

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface WorkloadOptions {
  quizId: string;
  players: number;
  questions: number;
  seed: number;
  /** Epoch ms of the first join; must be after the quiz row is created. */
  startAt: number;
  /** Default onClose, as for a quiz created without saying. */
  scoreVisibility?: ScoreVisibility;
  /**
   * Scoring options; and with `types`, the questions go round the types: one correct choice,
   * several (answered with several picks), true/false, and a typed answer (spellings with other
   * case, spaces and accents).
   */
  game?: RefRules & { types?: boolean };
}

const WORDS = ['élève', 'Eleve', ' ÉLÈVE ', 'eleve', 'student', 'élèves', ''];

const CHOICES = ['a', 'b', 'c', 'd'];

export function randomWorkload(o: WorkloadOptions): Workload {
  const rnd = seededRandom(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const events: QuizEvent[] = [];
  const joins: RefJoin[] = [];
  const answers: RefAnswer[] = [];
  let t = o.startAt;

  const playerIds = Array.from({ length: o.players }, (_, i) => `p${String(i).padStart(4, '0')}`);
  // The last player is the twin of the one before: same join time, same first answers, so every
  // workload has a tie on total and time that only the documented playerId rule decides.
  const twin = o.players >= 2 ? playerIds[o.players - 1] : undefined;
  for (const playerId of playerIds) {
    if (playerId !== twin) t += Math.floor(rnd() * 3); // 0 ms steps make more join-time ties
    const join = { playerId, displayName: `Player ${playerId}`, joinedAt: t };
    joins.push(join);
    events.push({ type: 'PlayerJoined', payload: { eventId: randomUUID(), quizId: o.quizId, ...join } });
    if (rnd() < 0.05) events.push({ type: 'PlayerJoined', payload: { eventId: randomUUID(), quizId: o.quizId, ...join } });
  }

  const questions: Workload['questions'] = [];
  for (let k = 0; k < o.questions; k++) {
    const timeLimitMs = pick([5_000, 10_000, 20_000]);
    const points = pick([1000, 1000, 500, 2000]);
    const openedAt = t + 1_000;
    const closesAt = openedAt + timeLimitMs;
    // Some hosts close early: answers after closedAt are late even though closesAt is later.
    const closedAt = rnd() < 0.3 ? openedAt + Math.floor(timeLimitMs * 0.7) : closesAt + 50;
    const type = o.game?.types ? (['choice', 'choice', 'truefalse', 'text'] as const)[k % 4]! : 'choice';
    const multi = o.game?.types ? k % 4 === 1 : rnd() < 0.2;
    const ids = type === 'truefalse' ? ['true', 'false'] : type === 'text' ? [] : CHOICES;
    const correct = type === 'text' ? [] : multi ? ['a', 'c'] : [pick(ids)];
    const q = {
      id: `q${k + 1}`,
      type,
      prompt: `Question ${k + 1}?`,
      choices: ids.map((id) => ({ id, text: `Choice ${id}` })),
      points,
      timeLimitMs,
      correct,
      accepted: type === 'text' ? ['élève', 'pupil'] : [],
      ignoreAccents: type === 'text' && rnd() < 0.5,
      openedAt,
      closesAt,
      closedAt,
    };
    questions.push(q);
    const opened: QuestionOpened = {
      eventId: randomUUID(),
      quizId: o.quizId,
      questionId: q.id,
      prompt: q.prompt,
      choices: q.choices,
      points,
      timeLimitMs,
      openedAt,
      closesAt,
      type,
      multiple: correct.length > 1,
    };
    events.push({ type: 'QuestionOpened', payload: opened });

    const round: RefAnswer[] = [];
    let previous: RefAnswer | undefined;
    for (const playerId of playerIds) {
      if (playerId === twin) {
        if (previous) round.push({ ...previous, answerId: randomUUID(), playerId });
        continue;
      }
      previous = undefined;
      if (o.game?.streak && playerId === playerIds[0]) {
        // With the streak on, the first player answers every question right and early, so each
        // workload earns the bonus up to its cap whatever the seed; everyone else's runs are chance.
        previous = { answerId: randomUUID(), questionId: q.id, playerId, ...rightAnswer(q, multi, o.game.types === true), acceptedAt: openedAt + Math.floor(timeLimitMs / 40) };
        round.push(previous);
        continue;
      }
      if (rnd() < 0.1) continue; // did not answer
      // A coarse grid makes equal acceptance times (and so ties) common; 10% land after the window.
      const at = openedAt + (rnd() < 0.1 ? timeLimitMs + 1 + Math.floor(rnd() * 500) : Math.floor(rnd() * 40) * Math.floor(timeLimitMs / 40));
      const choose = (): Pick<RefAnswer, 'choiceId' | 'choiceIds' | 'text'> => {
        if (type === 'text') return { choiceId: '', choiceIds: [], text: pick(WORDS) || 'pupil' };
        if (!o.game?.types) return { choiceId: rnd() < 0.6 ? correct[0]! : pick(CHOICES) };
        // Several picks on the multi question: the key, a part of it, or the key and a wrong one.
        const picks = multi ? pick([['a', 'c'], ['c', 'a'], ['a'], ['a', 'b'], ['a', 'b', 'c'], ['d']]) : [rnd() < 0.6 ? correct[0]! : pick(ids)];
        return { choiceId: picks[0]!, choiceIds: picks, text: null };
      };
      const first = { answerId: randomUUID(), questionId: q.id, playerId, ...choose(), acceptedAt: at };
      previous = first;
      round.push(first);
      if (rnd() < 0.1) round.push({ ...first, answerId: randomUUID(), ...choose(), acceptedAt: at + 1 + Math.floor(rnd() * 100) });
      if (rnd() < 0.05) round.push({ ...first }); // the same message again (an ingest retry)
    }
    round.sort((x, y) => x.acceptedAt - y.acceptedAt);
    // QuestionClosed goes where ingest would write it; a few answers accepted in time land after it.
    const closeIndex = round.findIndex((a) => a.acceptedAt > closedAt);
    const cut = closeIndex < 0 ? round.length : Math.max(0, closeIndex - Math.floor(rnd() * 3));
    for (const [i, a] of round.entries()) {
      if (i === cut) events.push({ type: 'QuestionClosed', payload: { eventId: randomUUID(), quizId: o.quizId, questionId: q.id, closedAt } });
      answers.push(a);
      events.push({ type: 'AnswerSubmitted', payload: { quizId: o.quizId, ...a } });
    }
    if (cut >= round.length) events.push({ type: 'QuestionClosed', payload: { eventId: randomUUID(), quizId: o.quizId, questionId: q.id, closedAt } });
    t = Math.max(closesAt, closedAt) + 100;
  }
  events.push({ type: 'QuizClosed', payload: { eventId: randomUUID(), quizId: o.quizId, closedAt: t } });
  const rules: RefRules = { scoring: o.game?.scoring ?? 'speed', streak: o.game?.streak ?? false, partial: o.game?.partial ?? false };
  return { quizId: o.quizId, scoreVisibility: o.scoreVisibility ?? 'onClose', questions, joins, answers, events, rules };
}

/** An answer that earns a question's full points: its key, in the form the workload's answers take. */
function rightAnswer(q: { type: string; correct: string[] }, multi: boolean, types: boolean): Pick<RefAnswer, 'choiceId' | 'choiceIds' | 'text'> {
  if (q.type === 'text') return { choiceId: '', choiceIds: [], text: 'pupil' };
  if (multi) return { choiceId: q.correct[0]!, choiceIds: [...q.correct], text: null };
  return types ? { choiceId: q.correct[0]!, choiceIds: [q.correct[0]!], text: null } : { choiceId: q.correct[0]! };
}

/** The rows ingest writes: the quiz, and its questions with the key and their open/close times. */
export async function insertQuizRows(pg: Pool, w: Workload): Promise<void> {
  await pg.query('INSERT INTO quizzes (id, title, score_visibility, scoring, streak, partial) VALUES ($1, $2, $3, $4, $5, $6)', [
    w.quizId,
    `Workload ${w.quizId}`,
    w.scoreVisibility,
    w.rules?.scoring ?? 'speed',
    w.rules?.streak === true,
    w.rules?.partial === true,
  ]);
  for (const [i, q] of w.questions.entries()) {
    await pg.query(
      `INSERT INTO questions (quiz_id, id, position, type, prompt, choices, correct, accepted, ignore_accents, points, time_limit_ms, opened_at, closes_at, closed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, to_timestamp($12 / 1000.0), to_timestamp($13 / 1000.0), to_timestamp($14 / 1000.0))`,
      [
        w.quizId,
        q.id,
        i,
        q.type ?? 'choice',
        q.prompt,
        JSON.stringify(q.choices),
        q.correct,
        q.accepted ?? [],
        q.ignoreAccents === true,
        q.points,
        q.timeLimitMs,
        q.openedAt,
        q.closesAt,
        q.closedAt ?? null,
      ],
    );
  }
}

/**
 * Writes the events of several quizzes interleaved (each quiz in its own order), in chunks, with a
 * pause between chunks so a processor can be killed while the stream is still arriving.
 */
export async function produceWorkloads(
  codec: EventCodec,
  producer: Producer,
  workloads: Workload[],
  o: { chunk: number; pauseMs: number } = { chunk: 500, pauseMs: 0 },
): Promise<void> {
  const cursors = workloads.map(() => 0);
  for (;;) {
    const messages: Array<{ quizId: string; value: Promise<Buffer> }> = [];
    for (let i = 0; i < o.chunk; i++) {
      const live = workloads.map((w, idx) => idx).filter((idx) => cursors[idx]! < workloads[idx]!.events.length);
      if (live.length === 0) break;
      const idx = live[i % live.length]!;
      const e = workloads[idx]!.events[cursors[idx]!]!;
      cursors[idx]!++;
      messages.push({ quizId: workloads[idx]!.quizId, value: codec.encode(codec.topics.quizEvents, e.type, e.payload as never) });
    }
    if (messages.length === 0) return;
    const encoded = await Promise.all(messages.map(async (m) => ({ key: m.quizId, value: await m.value })));
    await producer.send({ topic: codec.topics.quizEvents, acks: -1, messages: encoded });
    if (o.pauseMs > 0) await new Promise((r) => setTimeout(r, o.pauseMs));
  }
}
