import type { AnswerScored } from '../../common/messages/events';
import { DevTokenIssuer } from '../../ingest/auth';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { existingQuiz } from '../helpers/quiz-rows';
import { startTestPush, type TestPush } from '../helpers/push-app';
import { processorOutputs, type ProcessorOutputs } from '../helpers/push-kafka';
import { connectSse, type SseConnection } from '../helpers/sse-client';
import { testConfig } from '../helpers/stack';

jest.setTimeout(180_000);

let push: TestPush;
let out: ProcessorOutputs;
const issuer = new DevTokenIssuer(testConfig.auth, 600);

beforeAll(async () => {
  push = await startTestPush();
  out = await processorOutputs(push.codec);
});

async function meStream(quizId: string, playerId: string, via: 'header' | 'query' = 'header'): Promise<SseConnection> {
  const { token } = await issuer.issue(playerId, playerId.toUpperCase());
  const url = `${push.url}/v1/quizzes/${quizId}/me/stream`;
  const sse =
    via === 'header'
      ? await connectSse(url, { headers: { Authorization: `Bearer ${token}` } })
      : await connectSse(`${url}?token=${encodeURIComponent(token)}`);
  onCleanup(() => sse.close());
  expect(sse.status).toBe(200);
  return sse;
}

function scored(quizId: string, playerId: string, answerId: string, correct: boolean, points: number, total: number, rank: number): AnswerScored {
  const now = Date.now();
  return { answerId, quizId, questionId: 'q1', playerId, choiceId: correct ? 'a' : 'b', correct, late: false, points, total, rank, latencyMs: 1234, acceptedAt: now - 50, scoredAt: now };
}

test('without a token, or with a bad one, the personal stream is 401 with WWW-Authenticate', async () => {
  const quizId = uniqueId('auth');
  const none = await fetch(`${push.url}/v1/quizzes/${quizId}/me/stream`);
  expect(none.status).toBe(401);
  expect(none.headers.get('www-authenticate')).toBe('Bearer');
  expect(await none.json()).toMatchObject({ error: { code: 'unauthorized' } });
  const bad = await fetch(`${push.url}/v1/quizzes/${quizId}/me/stream?token=not.a.jwt`);
  expect(bad.status).toBe(401);
  expect(await bad.json()).toMatchObject({ error: { code: 'invalid_token' } });
});

test('a player sees their own result after AnswerScored, and question open/close, but not other players\' results', async () => {
  const quizId = await existingQuiz('me');
  const ann = await meStream(quizId, 'ann');
  const annQuery = await meStream(quizId, 'ann', 'query');
  const bob = await meStream(quizId, 'bob');

  const openedAt = Date.now();
  await out.questionOpened({
    eventId: uniqueId('ev'), quizId, questionId: 'q1', prompt: 'Which is a prime?',
    choices: [{ id: 'a', text: '7' }, { id: 'b', text: '8' }], points: 1000, timeLimitMs: 20_000, openedAt, closesAt: openedAt + 20_000,
  });
  await out.answerReceived({ answerId: 'ans-ann', quizId, questionId: 'q1', playerId: 'ann', acceptedAt: openedAt + 900 });
  await out.answerScored(scored(quizId, 'bob', 'ans-bob', false, 0, 0, 2));
  await out.answerScored(scored(quizId, 'ann', 'ans-ann', true, 940, 940, 1));
  await out.answerScored(scored(uniqueId('other-quiz'), 'ann', 'ans-elsewhere', true, 1000, 1000, 1));
  await out.questionRevealed({ quizId, questionId: 'q1', correct: ['a'], counts: { a: 1, b: 1 }, closedAt: openedAt + 20_000 });

  for (const sse of [ann, annQuery, bob]) await sse.waitFor((e) => e.event === 'question-closed');

  expect(ann.events.map((e) => e.event)).toEqual(['question-opened', 'answer-received', 'answer-result', 'question-closed']);
  expect(annQuery.events.map((e) => e.event)).toEqual(['question-opened', 'answer-received', 'answer-result', 'question-closed']);
  expect(bob.events.map((e) => e.event)).toEqual(['question-opened', 'answer-result', 'question-closed']);

  const opened = JSON.parse(ann.events[0]!.data);
  expect(opened).toEqual({
    // A record written without type and multiple gets their defaults: a choice question with one correct choice.
    questionId: 'q1', type: 'choice', multiple: false, prompt: 'Which is a prime?', choices: [{ id: 'a', text: '7' }, { id: 'b', text: '8' }],
    points: 1000, timeLimitMs: 20_000, openedAt: new Date(openedAt).toISOString(), closesAt: new Date(openedAt + 20_000).toISOString(),
  });
  expect(ann.events[0]!.data).not.toMatch(/correct/);

  expect(JSON.parse(ann.events[1]!.data)).toEqual({ answerId: 'ans-ann', questionId: 'q1' });
  expect(JSON.parse(ann.events[2]!.data)).toEqual({ answerId: 'ans-ann', questionId: 'q1', correct: true, points: 940, total: 940, rank: 1, late: false, bonus: 0 });
  expect(JSON.parse(bob.events[1]!.data)).toMatchObject({ answerId: 'ans-bob', correct: false, points: 0, total: 0, rank: 2 });
  expect(JSON.parse(ann.events[3]!.data)).toEqual({ questionId: 'q1', correct: ['a'], accepted: [], counts: { a: 1, b: 1 }, closedAt: new Date(openedAt + 20_000).toISOString() });
});

test('a personal stream ends with a token-expired event when its token expires; the same token then gets 401', async () => {
  const quizId = await existingQuiz('expiry');
  // Two seconds: jose counts exp in whole seconds, so the token lives between one and two.
  const { token, expiresAt } = await new DevTokenIssuer(testConfig.auth, 2).issue('eve', 'Eve');
  const ann = await meStream(quizId, 'ann'); // a ten-minute token
  const url = `${push.url}/v1/quizzes/${quizId}/me/stream?token=${encodeURIComponent(token)}`;
  const sse = await connectSse(url);
  onCleanup(() => sse.close());
  expect(sse.status).toBe(200);

  const [expired] = await sse.waitFor((e) => e.event === 'token-expired', 1, 10_000);
  expect(Date.now()).toBeGreaterThanOrEqual(new Date(expiresAt).getTime());
  expect(JSON.parse(expired!.data)).toMatchObject({ error: { code: 'token_expired' } });
  await sse.ended;

  const again = await fetch(url);
  expect(again.status).toBe(401);
  expect(await again.json()).toMatchObject({ error: { code: 'token_expired' } });
  // Only the expired token's stream ended.
  const annState = await Promise.race([ann.ended.then(() => 'ended'), new Promise((r) => setTimeout(() => r('open'), 300))]);
  expect(annState).toBe('open');
});
