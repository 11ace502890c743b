import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { sharedStack, runId } from '../drill/config';
import { ADMIN_KEY, Deployment, JWT_SECRET } from '../drill/deployment';
import { httpJson, sleep, type HttpReply } from '../drill/http-client';
import { connectSse, type SseConnection } from '../../helpers/sse-client';
import { acceptedName } from '../../helpers/player-names';

// Secrets must not leak: a scripted quiz runs through the real tiers (child processes, logging at
// debug), and everything it produced is scanned: every HTTP response (status line, headers, body),
// every SSE frame, every log line of every tier. Nothing may carry a question's answer key before
// that question closes (the key of a question never opened: never), a player token (except the
// dev-token reply that issues it), the admin key or the JWT secret.

jest.setTimeout(240_000);

interface Captured {
  at: number;
  source: string;
  text: string;
}

const captured: Captured[] = [];
const tokens: string[] = [];
const tag = randomBytes(3).toString('hex');
// Distinctive choice ids, so a key is recognisable wherever it shows up.
const QUESTIONS = ['q1', 'q2', 'q3'].map((id) => ({ id, correct: `key${id}${tag}`, wrong: [`wa${id}${tag}`, `wb${id}${tag}`] }));
const closedAt = new Map<string, number>();

let deployment: Deployment;

function capture(source: string, r: HttpReply, skipBody = false): void {
  const headers = r.headers ? [...r.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n') : '';
  captured.push({ at: Date.now(), source, text: `${r.status}\n${headers}\n${skipBody ? '' : r.text}${r.error ?? ''}` });
}

async function call(source: string, method: string, path: string, opts: Parameters<typeof httpJson>[2] = {}, skipBody = false): Promise<HttpReply> {
  const r = await httpJson(method, `${deployment.ingestUrl}${path}`, opts);
  capture(source, r, skipBody);
  return r;
}

function watch(source: string, conn: SseConnection): () => void {
  let seen = 0;
  const timer = setInterval(() => {
    for (; seen < conn.events.length; seen++) {
      const e = conn.events[seen]!;
      captured.push({ at: Date.now(), source, text: `event: ${e.event}\nid: ${e.id}\ndata: ${e.data}` });
    }
    for (const c of conn.parser.comments.splice(0)) captured.push({ at: Date.now(), source, text: `: ${c}` });
  }, 20);
  return () => {
    clearInterval(timer);
    conn.close();
  };
}

/** Every place inside a parsed JSON value where a key named like "correct" holds `id`. */
function keyLeaks(value: unknown, id: string): boolean {
  if (Array.isArray(value)) return value.some((v) => keyLeaks(v, id));
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (/correct|answer_?key/i.test(k) && JSON.stringify(v).includes(id)) return true;
      if (keyLeaks(v, id)) return true;
    }
    return false;
  }
  // JSON inside a string (a log line quoting a payload, an SSE data field).
  if (typeof value === 'string' && value.includes(id) && /correct|answer_?key/i.test(value)) {
    try {
      return keyLeaks(JSON.parse(value), id);
    } catch {
      return true; // not JSON, yet it names the key next to the id: treat as a leak
    }
  }
  return false;
}

function parsedParts(text: string): unknown[] {
  const parts: unknown[] = [];
  for (const line of text.split('\n')) {
    const body = line.startsWith('data: ') ? line.slice(6) : line;
    try {
      parts.push(JSON.parse(body));
    } catch {
      parts.push(body); // not JSON: scanned as a string
    }
  }
  return parts;
}

beforeAll(async () => {
  const run = runId();
  deployment = new Deployment({ stack: sharedStack(), runId: `sec${run}`, processors: 1, pushes: 1, sink: true, logLevel: 'debug' });
  await deployment.start();
});

afterAll(async () => {
  await deployment?.stop();
  await deployment?.removeTopics();
});

it('a scripted quiz leaks no answer key before its close, no token, no admin key', async () => {
  const quizId = `leak_${runId()}`;
  const push = deployment.livePushUrls()[0]!;
  const created = await call('create quiz (admin reply: echoes the key by design)', 'POST', '/v1/quizzes', {
    adminKey: ADMIN_KEY,
    body: {
      id: quizId,
      title: 'Leak scan',
      questions: QUESTIONS.map((q) => ({
        id: q.id,
        prompt: `Which is ${q.id}?`,
        choices: [q.correct, ...q.wrong].sort().map((id) => ({ id, text: `Choice ${id}` })),
        correct: [q.correct],
        timeLimitMs: 60_000,
      })),
    },
  });
  expect(created.status).toBe(201);

  // Players, each with a personal stream (token in the query, as EventSource sends it) and a spectator.
  const players = ['ann', 'bob', 'cy'].map((p) => `${p}_${tag}`);
  const stops: Array<() => void> = [];
  const playerTokens = new Map<string, string>();
  for (const p of players) {
    const t = await httpJson('POST', `${deployment.ingestUrl}/v1/auth/dev-token`, { body: { playerId: p, displayName: acceptedName(p) } });
    expect(t.status).toBe(200);
    const token = (t.body as { token: string }).token;
    tokens.push(token);
    playerTokens.set(p, token);
    expect((await call(`join ${p}`, 'POST', `/v1/quizzes/${quizId}/players`, { token, body: { displayName: acceptedName(p) } })).status).toBe(201);
    const me = await connectSse(`${push}/v1/quizzes/${quizId}/me/stream?token=${encodeURIComponent(token)}`);
    expect(me.status).toBe(200);
    stops.push(watch(`me/stream ${p}`, me));
  }
  const board = await connectSse(`${push}/v1/quizzes/${quizId}/leaderboard/stream`);
  stops.push(watch('leaderboard/stream', board));
  // Bad tokens too: an error reply must not echo them either.
  const expired = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(players[0]!)
    .setIssuer('quizstream-dev')
    .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
    .sign(new TextEncoder().encode(JWT_SECRET));
  tokens.push(expired);
  await call('answer with an expired token', 'POST', `/v1/quizzes/${quizId}/answers`, { token: expired, body: { questionId: 'q1', choiceId: 'x' } });
  await call('wrong admin key', 'POST', `/v1/quizzes/${quizId}/questions/q1/open`, { adminKey: `${ADMIN_KEY}-nope` });
  const badStream = await connectSse(`${push}/v1/quizzes/${quizId}/me/stream?token=${encodeURIComponent(expired)}`);
  captured.push({ at: Date.now(), source: 'me/stream with an expired token', text: `${badStream.status}\n${JSON.stringify(badStream.headers)}\n${await badStream.body()}` });

  for (const q of QUESTIONS.slice(0, 2)) {
    expect((await call(`open ${q.id}`, 'POST', `/v1/quizzes/${quizId}/questions/${q.id}/open`, { adminKey: ADMIN_KEY })).status).toBe(200);
    await call(`quiz while ${q.id} open`, 'GET', `/v1/quizzes/${quizId}`);
    for (const [i, p] of players.entries()) {
      const choiceId = i === 0 ? q.correct : q.wrong[i % 2]!;
      const r = await call(`answer ${p} ${q.id}`, 'POST', `/v1/quizzes/${quizId}/answers`, { token: playerTokens.get(p), body: { questionId: q.id, choiceId } });
      expect(r.status).toBe(202);
    }
    await call(`duplicate answer ${q.id}`, 'POST', `/v1/quizzes/${quizId}/answers`, { token: playerTokens.get(players[0]!), body: { questionId: q.id, choiceId: q.wrong[0] } });
    await sleep(1_500); // results and snapshots flow while the question is open
    await call(`leaderboard while ${q.id} open`, 'GET', `/v1/quizzes/${quizId}/leaderboard`, {}).then(() => undefined);
    const lb = await httpJson('GET', `${push}/v1/quizzes/${quizId}/leaderboard`);
    capture('push GET leaderboard', lb);
    const me = await httpJson('GET', `${push}/v1/quizzes/${quizId}/players/${players[0]}`);
    capture('push GET player', me);
    closedAt.set(q.id, Date.now());
    expect((await call(`close ${q.id}`, 'POST', `/v1/quizzes/${quizId}/questions/${q.id}/close`, { adminKey: ADMIN_KEY })).status).toBe(200);
    await sleep(1_500); // the reveal goes out after the close
  }
  await call('quiz at the end', 'GET', `/v1/quizzes/${quizId}`);
  await sleep(2_000);
  for (const stop of stops) stop();

  // The tiers' logs, stamped with their own time.
  for (const proc of deployment.all) {
    for (const line of proc.lines()) {
      const time = /"time":(\d+)/.exec(line)?.[1] ?? /"time":"([^"]+)"/.exec(line)?.[1];
      const at = time === undefined ? Date.now() : /^\d+$/.test(time) ? Number(time) : Date.parse(time);
      captured.push({ at, source: `log ${proc.name}`, text: line });
    }
  }

  // The scan saw a real run: frames from every stream, log lines from every tier, a reveal.
  expect(captured.filter((c) => c.source.startsWith('me/stream')).length).toBeGreaterThan(6);
  expect(captured.filter((c) => c.source === 'leaderboard/stream').length).toBeGreaterThan(1);
  for (const proc of deployment.all) expect({ proc: proc.name, lines: proc.lines().length > 0 }).toEqual({ proc: proc.name, lines: true });
  expect(captured.some((c) => c.text.includes('question-closed') && c.text.includes(QUESTIONS[0]!.correct))).toBe(true);

  // The detector does recognise a key: in the admin's own create reply, and in the reveals.
  const adminReply = captured.find((c) => c.source.startsWith('create quiz'))!;
  expect(parsedParts(adminReply.text).some((p) => keyLeaks(p, QUESTIONS[2]!.correct))).toBe(true);
  expect(captured.some((c) => c.source.startsWith('me/stream') && parsedParts(c.text).some((p) => keyLeaks(p, QUESTIONS[0]!.correct)))).toBe(true);

  const leaks: string[] = [];
  for (const c of captured) {
    for (const q of QUESTIONS) {
      const until = closedAt.get(q.id) ?? Infinity;
      if (c.at < until && c.source !== 'create quiz (admin reply: echoes the key by design)' && parsedParts(c.text).some((p) => keyLeaks(p, q.correct))) {
        leaks.push(`answer key of ${q.id} in ${c.source} before its close: ${c.text.slice(0, 300)}`);
      }
    }
    for (const t of tokens) {
      const signature = t.split('.')[2]!;
      if (c.text.includes(t) || c.text.includes(signature)) leaks.push(`a token in ${c.source}: ${c.text.slice(0, 300)}`);
    }
    if (c.text.includes(ADMIN_KEY)) leaks.push(`the admin key in ${c.source}: ${c.text.slice(0, 300)}`);
    if (c.text.includes(JWT_SECRET)) leaks.push(`the JWT secret in ${c.source}: ${c.text.slice(0, 300)}`);
  }
  expect(leaks).toEqual([]);
});
