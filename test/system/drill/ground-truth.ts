import { Kafka, logLevel } from 'kafkajs';
import type { DecodedEvent } from '../../../common/messages/events';
import { EventCodec } from '../../../common/codec';
import { answersShownAt, referenceRanking, type RefAnswer, type RefJoin, type RefQuestion, type RefResult, type RefRules, type ScoreVisibility } from '../../helpers/reference-ranking';
import type { QuizPlan } from './load-generator';

// Ground truth for a scenario's quizzes: what ingest accepted, read back from quiz.events in
// partition order with each message's offset, and the reference ranking recomputed from it. The
// offsets let the checks recompute the exact ranking a snapshot with seq S must show (all events
// of the quiz with offset < S; in an onClose quiz only the points of questions closed before S):
// a viewer's every snapshot is judged, not just the last.

interface Positioned<T> {
  offset: number;
  value: T;
}

export interface QuizTruth {
  plan: QuizPlan;
  joins: Positioned<RefJoin>[];
  answers: Positioned<RefAnswer>[];
  questions: RefQuestion[];
  /** Offset of each question's first QuestionClosed: where an onClose quiz shows its points. */
  closeOffsets: Map<string, number>;
  final: RefResult;
}

type RankingInput = Pick<QuizTruth, 'joins' | 'answers' | 'questions' | 'closeOffsets'> & { visibility: ScoreVisibility; rules: RefRules };

/** readQuizEvents, retried: right after a broker restart, metadata can be stale for a while. */
export async function readQuizEventsRetrying(brokers: string[], registryUrl: string, prefix: string, quizIds: Set<string>): Promise<Map<string, Array<Positioned<DecodedEvent>>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readQuizEvents(brokers, registryUrl, prefix, quizIds);
    } catch (err) {
      if (attempt >= 10) throw err;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}

export async function readQuizEvents(brokers: string[], registryUrl: string, prefix: string, quizIds: Set<string>): Promise<Map<string, Array<Positioned<DecodedEvent>>>> {
  const codec = new EventCodec(registryUrl, prefix);
  const kafka = new Kafka({ clientId: 'drill-truth', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = codec.topics.quizEvents;
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]));
  const out = new Map<string, Array<Positioned<DecodedEvent>>>();
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `drill-truth-${Date.now()}-${Math.random().toString(36).slice(2)}`, sessionTimeout: 10_000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const { promise: done, resolve: finish } = Promise.withResolvers<void>();
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const key = message.key?.toString() ?? '';
      if (quizIds.has(key)) {
        const event = await codec.decode(message.value);
        const list = out.get(key) ?? [];
        list.push({ offset: Number(message.offset), value: event });
        out.set(key, list);
      }
      const high = remaining.get(partition);
      if (high !== undefined && Number(message.offset) + 1 >= high) {
        remaining.delete(partition);
        if (remaining.size === 0) finish();
      }
    },
  });
  const timeout = setTimeout(finish, 60_000);
  await done;
  clearTimeout(timeout);
  await consumer.disconnect();
  if (remaining.size > 0) throw new Error(`quiz.events not read to the end within 60 s (partitions ${[...remaining.keys()].join(', ')})`);
  return out;
}

export function quizTruth(plan: QuizPlan, events: Array<Positioned<DecodedEvent>>): QuizTruth {
  const joins: Positioned<RefJoin>[] = [];
  const answers: Positioned<RefAnswer>[] = [];
  const opened = new Map<string, { openedAt: number; closesAt: number }>();
  const closed = new Map<string, number>();
  const closeOffsets = new Map<string, number>();
  for (const { offset, value: e } of events) {
    if (e.type === 'PlayerJoined') joins.push({ offset, value: { playerId: e.payload.playerId, displayName: e.payload.displayName, joinedAt: e.payload.joinedAt } });
    else if (e.type === 'AnswerSubmitted') {
      const p = e.payload;
      answers.push({
        offset,
        value: { answerId: p.answerId, questionId: p.questionId, playerId: p.playerId, choiceId: p.choiceId, choiceIds: p.choiceIds, text: p.text, acceptedAt: p.acceptedAt },
      });
    } else if (e.type === 'QuestionOpened') {
      // A repeated open (an admin retry after a 503 that had landed) keeps the later time, as ingest enforces it.
      const prev = opened.get(e.payload.questionId);
      if (!prev || e.payload.openedAt >= prev.openedAt) opened.set(e.payload.questionId, { openedAt: e.payload.openedAt, closesAt: e.payload.closesAt });
    } else if (e.type === 'QuestionClosed') {
      if (!closeOffsets.has(e.payload.questionId)) closeOffsets.set(e.payload.questionId, offset);
      closed.set(e.payload.questionId, Math.max(closed.get(e.payload.questionId) ?? 0, e.payload.closedAt));
    }
  }
  const questions: RefQuestion[] = plan.questions
    .filter((q) => opened.has(q.id))
    .map((q) => ({
      id: q.id,
      type: q.type,
      points: q.points,
      timeLimitMs: q.timeLimitMs,
      ...(q.type === 'text' ? { correct: [], accepted: q.accepted, ignoreAccents: q.ignoreAccents } : { correct: q.correct }),
      ...opened.get(q.id)!,
      closedAt: closed.get(q.id),
    }));
  const visibility = plan.scoreVisibility;
  return { plan, joins, answers, questions, closeOffsets, final: rankingUpTo({ joins, answers, questions, closeOffsets, visibility, rules: rulesOf(plan) }, Infinity) };
}

/**
 * The reference ranking over the quiz's events with offset < seq. In an onClose quiz an answer's
 * points count from its question's close on; at Infinity every question counts as closed, which
 * is where the drill's load leaves every quiz (each host closes its last question).
 */
export function rankingUpTo(t: RankingInput, seq: number): RefResult {
  const counted = seq === Infinity ? t.answers : answersShownAt(t.visibility, t.answers, t.closeOffsets, seq);
  return referenceRanking({
    questions: t.questions,
    joins: t.joins.filter((j) => j.offset < seq).map((j) => j.value),
    answers: counted.map((a) => a.value),
    rules: t.rules,
  });
}

export function rankingInput(t: QuizTruth): RankingInput {
  return { ...t, visibility: t.plan.scoreVisibility, rules: rulesOf(t.plan) };
}

function rulesOf(plan: QuizPlan): RefRules {
  return { scoring: plan.scoring, streak: plan.streak, partial: plan.partial };
}
