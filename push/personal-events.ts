import type { AnswerReceived, AnswerScored, QuestionOpened, QuestionRevealed } from '../common/messages/events';
import type { AnswerReceivedWire, AnswerResultWire, PersonalEventName, QuestionClosedWire, QuestionOpenedWire, QuestionTypeWire } from '../common/messages/wire';
import { eventFrame, sseFrame } from './sse-frames';
import type { Frame } from './viewer';

// The personal stream's events (v1: answer-received, answer-result, question-opened, question-closed).
// Their timing is the processors': in an onClose quiz answer-result only comes at the question's
// close (with question-closed), in a live quiz as soon as the answer is scored. Each payload
// is built field by field from the Avro record, never spread: a field added to a schema later must
// not reach players unless someone decides it should (the answer key must never leak early).

export function answerReceived(e: AnswerReceived): AnswerReceivedWire {
  return { answerId: e.answerId, questionId: e.questionId };
}

export function answerResult(e: AnswerScored): AnswerResultWire {
  return {
    answerId: e.answerId,
    questionId: e.questionId,
    correct: e.correct,
    points: e.points,
    total: e.total,
    rank: e.rank,
    late: e.late,
    bonus: e.bonus ?? 0,
  };
}

export function questionOpened(e: QuestionOpened): QuestionOpenedWire {
  return {
    questionId: e.questionId,
    type: questionType(e.type),
    multiple: e.multiple === true,
    prompt: e.prompt,
    choices: e.choices.map((c) => ({ id: c.id, text: c.text })),
    points: e.points,
    timeLimitMs: e.timeLimitMs,
    openedAt: new Date(e.openedAt).toISOString(),
    closesAt: new Date(e.closesAt).toISOString(),
  };
}

export function questionClosed(e: QuestionRevealed): QuestionClosedWire {
  return {
    questionId: e.questionId,
    correct: [...e.correct],
    accepted: [...(e.accepted ?? [])],
    counts: { ...e.counts },
    closedAt: new Date(e.closedAt).toISOString(),
  };
}

/** A type this push does not know (a newer ingest) is shown as a choice question, which has choices to show. */
function questionType(type: string | undefined): QuestionTypeWire {
  return type === 'truefalse' || type === 'text' ? type : 'choice';
}

/** No SSE id: these are not replayed on reconnect (the player's totals are in GET players/:playerId). */
export function personalFrame(event: PersonalEventName, payload: object): Frame {
  return sseFrame(event, eventFrame({ event, data: JSON.stringify(payload) }));
}
