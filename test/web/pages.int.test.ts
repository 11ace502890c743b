import type { Server } from 'node:http';
import express, { type Response } from 'express';
import type { Browser } from 'playwright-core';
import { startTestIngest, type TestIngest } from '../helpers/ingest-app';
import { IngestClient, sampleQuiz } from '../helpers/ingest-client';
import { uniqueId } from '../helpers/ids';
import { onCleanup } from '../helpers/cleanup';
import { waitUntil } from '../helpers/wait';
import { closeServer, serverUrl, startServer } from '../../common/http-server';
import { mountWebPages } from '../../push/web-pages';
import { ensureWebPagesBuilt } from '../../web/build';
import { stackClients } from '../helpers/stack';
import { boardNames, launchBrowser, newPage, screenshot } from './browser';

const { pg } = stackClients();

// The pages against the real ingest and a scripted push: a stand-in that serves the pages and
// speaks the v1 stream contract (events, ids, drops) exactly when the test says. It checks what
// the real pipeline cannot make happen on cue: a reconnect, an out-of-order snapshot, a reveal.
// browser-e2e.int.test.ts runs the same pages against the whole real stack.

interface Streams {
  leaderboard: Set<Response>;
  personal: Set<Response>;
  /** Tokens the scripted push treats as expired (push ends such a stream and refuses them). */
  expired: Set<string>;
  /** GET players/:playerId: the body for a player, or undefined for a 404 (not on the board yet). */
  standing: (playerId: string) => unknown;
  /** The whole board GET leaderboard?offset=&limit= pages through. */
  board: Array<{ rank: number; playerId: string; displayName: string; score: number }>;
}

function scriptedPush(streams: Streams) {
  const app = express();
  const open = (res: Response, set: Set<Response>) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('retry: 200\n\n'); // reconnect fast after the test drops a stream
    set.add(res);
    res.on('close', () => set.delete(res));
  };
  app.get('/v1/quizzes/:quizId/leaderboard/stream', (_req, res) => open(res, streams.leaderboard));
  app.get('/v1/quizzes/:quizId/me/stream', (req, res) => {
    const token = req.query.token;
    if (typeof token !== 'string' || !token) {
      res.status(401).json({ error: { code: 'unauthorized', message: 'token required' } });
      return;
    }
    if (streams.expired.has(token)) {
      res.status(401).json({ error: { code: 'token_expired', message: 'token expired' } });
      return;
    }
    res.locals.token = token;
    open(res, streams.personal);
  });
  app.get('/v1/quizzes/:quizId/players/:playerId', (req, res) => {
    const body = streams.standing(req.params.playerId);
    if (body === undefined) res.status(404).json({ error: { code: 'player_not_found', message: 'not yet' } });
    else res.json(body);
  });
  app.get('/v1/quizzes/:quizId/leaderboard', (req, res) => {
    const offset = Number(req.query.offset);
    const limit = Number(req.query.limit);
    res.json({ quizId: req.params.quizId, players: streams.board.length, offset, entries: streams.board.slice(offset, offset + limit) });
  });
  return app;
}

const send = (set: Set<Response>, event: string, data: unknown, id?: number) => {
  for (const res of set) res.write(`event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`);
};

const entry = (rank: number, playerId: string, score: number) => ({ rank, playerId, displayName: playerId.toUpperCase(), score });

let browser: Browser;
let ingest: TestIngest;
let client: IngestClient;
let pushUrl: string;
const streams: Streams = { leaderboard: new Set(), personal: new Set(), expired: new Set(), standing: () => undefined, board: [] };

jest.setTimeout(180_000);

beforeAll(async () => {
  const app = scriptedPush(streams);
  const server: Server = await startServer(app, 0, '127.0.0.1');
  onCleanup(async () => {
    for (const res of [...streams.leaderboard, ...streams.personal]) res.destroy();
    await closeServer(server, 1_000);
  });
  pushUrl = serverUrl(server);
  ingest = await startTestIngest({ options: (o) => ({ ...o, corsOrigins: [pushUrl] }) });
  client = new IngestClient(ingest.url);
  ensureWebPagesBuilt(); // npm test's build step; here too, for a run of this file alone
  mountWebPages(app, { ingestUrl: ingest.url, devAdminKey: 'dev-admin-key' });
  browser = await launchBrowser();
});

test('the scoreboard follows snapshots, ignores an older one, and shows a reconnect', async () => {
  const { page, logs } = await newPage(browser, { width: 390, height: 800 }); // a phone
  await page.goto(`${pushUrl}/scoreboard.html?quiz=demo-1`);
  await waitUntil('the scoreboard stream', () => streams.leaderboard.size === 1, 30_000);
  await page.locator('#conn[data-state="live"]').waitFor();

  send(streams.leaderboard, 'snapshot', { quizId: 'demo-1', seq: 5, players: 3, answers: 0, entries: [entry(1, 'ann', 0), entry(2, 'bob', 0), entry(3, 'cyd', 0)] }, 5);
  await page.locator('#board li').nth(2).waitFor();
  expect(await boardNames(page)).toEqual(['ANN', 'BOB', 'CYD']);
  expect(await page.locator('#answered-stat').isHidden()).toBe(true);

  // A question is open: the big screen counts who has answered it.
  const open = { openQuestions: [{ questionId: 'q1', answered: 2 }] };
  send(streams.leaderboard, 'snapshot', { quizId: 'demo-1', seq: 8, players: 3, answers: 2, ...open, entries: [entry(1, 'ann', 0), entry(2, 'bob', 0), entry(3, 'cyd', 0)] }, 8);
  await page.locator('#answered', { hasText: '2 of 3 answered' }).waitFor();

  send(streams.leaderboard, 'snapshot', { quizId: 'demo-1', seq: 9, players: 3, answers: 3, entries: [entry(1, 'cyd', 950), entry(2, 'ann', 800), entry(3, 'bob', 0)] }, 9);
  await page.locator('#board li[data-rank="1"] .name', { hasText: 'CYD' }).waitFor();
  expect(await boardNames(page)).toEqual(['CYD', 'ANN', 'BOB']);
  expect(await page.locator('#answers').textContent()).toBe('3');
  expect(await page.locator('#players').textContent()).toBe('3');
  expect(await page.locator('#board li').first().getAttribute('aria-label')).toBe('1. CYD, 950 points');

  // An older ranking after a newer one is never shown: the page records every seq it displays,
  // and a newer snapshot sent behind the stale one proves the stale one was handled.
  await page.evaluate(`window.__seqs = [];
    new MutationObserver(() => window.__seqs.push(document.querySelector('#board').dataset.seq))
      .observe(document.querySelector('#board'), { attributes: true, attributeFilter: ['data-seq'] });`);
  send(streams.leaderboard, 'snapshot', { quizId: 'demo-1', seq: 7, players: 3, answers: 1, entries: [entry(1, 'bob', 5000)] }, 7);
  send(streams.leaderboard, 'snapshot', { quizId: 'demo-1', seq: 10, players: 3, answers: 4, entries: [entry(1, 'cyd', 950), entry(2, 'ann', 800), entry(3, 'bob', 10)] }, 10);
  await page.locator('#answers', { hasText: '4' }).waitFor();
  expect(await page.evaluate('window.__seqs')).toEqual(['10']);
  expect(await boardNames(page)).toEqual(['CYD', 'ANN', 'BOB']);
  // Sequence numbers are for the stream, not for people.
  expect(await page.locator('#live dt').allTextContents()).toEqual(['Players', 'Answers', 'This question']);

  // The server drops the stream: the indicator says so, and says it came back.
  for (const res of streams.leaderboard) res.destroy();
  await page.locator('#conn[data-reconnects="1"][data-state="live"]').waitFor();
  expect(await page.locator('#conn').textContent()).toContain('reconnected 1×');
  await screenshot(page, 'scripted-scoreboard-phone');
  expect(logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
});

test('a player joins through ingest, sees the question, answers with one tap, then sees the result and the reveal', async () => {
  const quizId = uniqueId('webq');
  expect((await client.createQuiz(sampleQuiz(quizId, { questions: 2 }))).status).toBe(201);

  const { page, logs } = await newPage(browser, { width: 390, height: 800 });
  await page.goto(`${pushUrl}/play.html?quiz=${quizId}`);
  await page.getByLabel('Your name').fill('Dana');
  await page.getByRole('button', { name: 'Join' }).click();
  await page.locator('#game').waitFor();
  await waitUntil('the personal stream', () => streams.personal.size === 1, 30_000);
  expect(await page.locator('#me').textContent()).toBe('Dana');
  expect(await page.locator('#waiting').isVisible()).toBe(true);

  const opened = await client.open(quizId, 'q1');
  expect(opened.status).toBe(200);
  send(streams.personal, 'question-opened', {
    questionId: 'q1',
    prompt: 'Question 1?',
    choices: [
      { id: 'a', text: 'Alpha' },
      { id: 'b', text: 'Bravo' },
      { id: 'c', text: 'Charlie' },
    ],
    points: 1000,
    timeLimitMs: 20_000,
    openedAt: opened.body.openedAt,
    closesAt: opened.body.closesAt,
  });
  await page.getByRole('button', { name: 'Bravo' }).waitFor();
  expect(await page.locator('#prompt').textContent()).toBe('Question 1?');
  const secondsLeft = Number((await page.locator('#seconds').textContent())?.replace(' s', ''));
  expect(secondsLeft).toBeGreaterThan(15);
  expect(secondsLeft).toBeLessThanOrEqual(20);

  // The quiz keeps results until the close (the default): the page says the answer is locked in.
  await page.getByRole('button', { name: 'Bravo' }).click();
  await page.locator('#result', { hasText: 'Answer locked in: “Bravo”. You\'ll see whether it was right when the question closes.' }).waitFor();
  expect(await page.getByRole('button', { name: 'Alpha' }).isDisabled()).toBe(true);
  send(streams.personal, 'answer-received', { answerId: 'x', questionId: 'q1' });

  // At the close the reveal and the result come together, the reveal first.
  send(streams.personal, 'question-closed', { questionId: 'q1', correct: ['b'], counts: { a: 1, b: 4, c: 0 }, closedAt: new Date().toISOString() });
  send(streams.personal, 'answer-result', { answerId: 'x', questionId: 'q1', correct: true, points: 950, total: 950, rank: 1, late: false });
  await page.locator('#result', { hasText: 'Correct! +950 points. Total 950, 1st place.' }).waitFor();
  expect(await page.locator('#total').textContent()).toBe('950');
  expect(await page.locator('#rank').textContent()).toBe('1st');
  await page.locator('button.correct[data-choice-id="b"]').waitFor();
  expect(await page.locator('button[data-choice-id="b"] .choice-note').textContent()).toBe('✓ correct · 4 answers');
  expect(await page.locator('button[data-choice-id="a"] .choice-note').textContent()).toBe('1 answer');
  await screenshot(page, 'scripted-play-phone');

  // Push ends a personal stream when its token expires: the page takes a new token and reopens it.
  // (A second apart, so the new dev token is not byte-for-byte the old one.)
  await new Promise((r) => setTimeout(r, 1_100));
  for (const res of streams.personal) streams.expired.add(res.locals.token as string);
  send(streams.personal, 'token-expired', { error: { code: 'token_expired', message: 'expired' } });
  for (const res of streams.personal) res.end();
  await waitUntil('the personal stream reopened with a new token', () => [...streams.personal].some((res) => !streams.expired.has(res.locals.token as string)), 30_000);
  await page.locator('#conn', { hasText: 'Live' }).waitFor();

  // A reload keeps the player (per-tab session) and shows the next question from ingest's view.
  await client.close(quizId, 'q1');
  await client.open(quizId, 'q2');
  await page.reload();
  await page.locator('#prompt', { hasText: 'Question 2?' }).waitFor();
  expect(await page.locator('#me').textContent()).toBe('Dana');
  expect(logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
});

test('in a live quiz a locked-in answer waits for its result, not for the close', async () => {
  const quizId = uniqueId('webl');
  expect((await client.createQuiz({ ...sampleQuiz(quizId, { questions: 1 }), scoreVisibility: 'live' })).status).toBe(201);
  const { page, logs } = await newPage(browser, { width: 390, height: 800 });
  await page.goto(`${pushUrl}/play.html?quiz=${quizId}`);
  await page.getByLabel('Your name').fill('Eli');
  await page.getByRole('button', { name: 'Join' }).click();
  await page.locator('#game').waitFor();
  expect((await client.open(quizId, 'q1')).status).toBe(200);
  // No question-opened from the scripted push: the page finds the open question in ingest's view.
  await page.reload();
  await page.getByRole('button', { name: 'Charlie' }).click();
  await page.locator('#result', { hasText: 'Locked in: “Charlie”. Waiting for the result…' }).waitFor();
  expect(logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
});

test('a Join pressed before the page has its config waits for the page; it does not submit the form and reload', async () => {
  const quizId = uniqueId('webj');
  expect((await client.createQuiz(sampleQuiz(quizId, { questions: 1 }))).status).toBe(201);
  const { page, logs } = await newPage(browser, { width: 390, height: 800 });
  // Hold config.json: the script that handles the form cannot start before it has arrived.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/config.json', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`${pushUrl}/play.html?quiz=${quizId}`);
  await page.getByLabel('Your name').fill('Fay');
  const join = page.getByRole('button', { name: 'Join' });
  expect(await join.isDisabled()).toBe(true);
  const clicked = join.click(); // waits for the button to be enabled
  await new Promise((r) => setTimeout(r, 300));
  release();
  await clicked;
  await page.locator('#game').waitFor();
  expect(await page.locator('#me').textContent()).toBe('Fay');
  expect(new URL(page.url()).searchParams.has('name')).toBe(false); // the form was never submitted by the browser
  expect(await page.locator('#join-status').textContent()).not.toMatch(/Could not join/);
  expect(logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
});

test('the host creates a quiz from pasted JSON, opens and closes a question, and sees the reveal counts once the processors released them', async () => {
  const quizId = uniqueId('webh');
  const { page, logs } = await newPage(browser);
  await page.goto(`${pushUrl}/host.html`);
  expect(await page.getByLabel('Admin key').inputValue()).toBe('dev-admin-key');
  await page.locator('summary').click();
  // Mistakes are explained: JSON that does not parse, and ingest's reasons for a body it refuses.
  await page.getByLabel('Quiz JSON').fill('{"title": ');
  await page.getByRole('button', { name: 'Create from JSON' }).click();
  await page.locator('#create-status', { hasText: 'That is not valid JSON' }).waitFor();
  await page.getByLabel('Quiz JSON').fill(JSON.stringify({ title: 'No questions', questions: [] }));
  await page.getByRole('button', { name: 'Create from JSON' }).click();
  await page.locator('#create-status', { hasText: 'questions: a quiz needs at least one question' }).waitFor();
  await page.getByLabel('Quiz JSON').fill(JSON.stringify(sampleQuiz(quizId, { questions: 2 })));
  await page.getByRole('button', { name: 'Create from JSON' }).click();
  await page.locator('#manage').waitFor();
  expect(await page.locator('#quiz-id').textContent()).toBe(quizId);
  await waitUntil('the host stream', () => streams.leaderboard.size >= 1, 30_000);

  const q1 = page.locator('li[data-question-id="q1"]');
  await q1.getByRole('button', { name: 'Open' }).click();
  await page.locator('li[data-question-id="q1"][data-state="open"]').waitFor();
  const publicView = await client.request('GET', `/v1/quizzes/${quizId}`);
  expect(publicView.body.questions[0].state).toBe('open');

  send(streams.leaderboard, 'snapshot', { quizId, seq: 1, players: 2, answers: 0, entries: [entry(1, 'ann', 0), entry(2, 'bob', 0)] }, 1);
  send(streams.leaderboard, 'snapshot', { quizId, seq: 4, players: 2, answers: 2, openQuestions: [{ questionId: 'q1', answered: 2 }], entries: [entry(1, 'bob', 0), entry(2, 'ann', 0)] }, 4);
  await q1.locator('.answers-so-far', { hasText: '2 of 2 answered' }).waitFor();

  await q1.getByRole('button', { name: 'Close' }).click();
  await page.locator('li[data-question-id="q1"][data-state="closed"]').waitFor();
  // Ingest's reveal waits for the processors (none run here): until they record the close, it is
  // 503 results_pending and the page keeps asking. Here what they would write is written by hand.
  await q1.locator('.hint', { hasText: 'Waiting for the reveal' }).waitFor();
  const at = new Date();
  for (const [playerId, choiceId] of [['ann', 'a'], ['bob', 'b']] as const) {
    await pg.query(
      `INSERT INTO scored_answers (quiz_id, question_id, player_id, answer_id, choice_id, correct, late, points, latency_ms, accepted_at, scored_at, held)
       VALUES ($1, 'q1', $2, $3, $4, $5, false, 0, 100, $6, $6, false)`,
      [quizId, playerId, uniqueId('a'), choiceId, choiceId === 'b', at],
    );
  }
  await pg.query(`INSERT INTO released_questions (quiz_id, question_id) VALUES ($1, 'q1')`, [quizId]);
  await q1.locator('li[data-choice-id="b"] .count', { hasText: '1' }).waitFor();
  expect(await q1.locator('li[data-choice-id="a"] .count').textContent()).toBe('1');
  expect(await q1.locator('li[data-choice-id="c"] .count').textContent()).toBe('0');
  expect((await client.request('GET', `/v1/quizzes/${quizId}`)).body.questions[0].state).toBe('closed');
  await screenshot(page, 'scripted-host');
  expect(logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
});

test('a player below the board\'s top 100 sees the players around them', async () => {
  const quizId = uniqueId('webn');
  expect((await client.createQuiz(sampleQuiz(quizId, { questions: 1 }))).status).toBe(201);
  const { page, logs } = await newPage(browser, { width: 390, height: 800 });
  await page.goto(`${pushUrl}/play.html?quiz=${quizId}`);
  // Earlier tests' players may still hold their streams open: wait for one more.
  const before = streams.personal.size;
  await page.getByLabel('Your name').fill('Fay');
  await page.getByRole('button', { name: 'Join' }).click();
  await page.locator('#game').waitFor();
  await waitUntil('the personal stream', () => streams.personal.size > before, 30_000);
  expect(await page.locator('#neighbours').isHidden()).toBe(true);

  // Ranked 150th: push's GET players/:playerId?around=2 lists ranks 148 to 152.
  streams.standing = (playerId) => ({
    playerId,
    displayName: 'Fay',
    score: 300,
    rank: 150,
    around: [entry(148, 'gus', 320), entry(149, 'hal', 310), { rank: 150, playerId, displayName: 'Fay', score: 300 }, entry(151, 'ivy', 300), entry(152, 'jo', 290)],
  });
  send(streams.personal, 'answer-result', { answerId: 'x', questionId: 'q1', correct: true, points: 300, total: 300, rank: 150, late: false });
  await page.locator('#neighbours').waitFor();
  expect(await page.locator('#neighbour-list li .name').allTextContents()).toEqual(['GUS', 'HAL', 'Fay (you)', 'IVY', 'JO']);
  expect(await page.locator('#neighbour-list li.me').getAttribute('value')).toBe('150');
  expect(await page.locator('#rank').textContent()).toBe('150th');
  streams.standing = () => undefined;
  expect(logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
});

test('the host prints the final standings of a closed quiz, read page by page', async () => {
  const quizId = uniqueId('webp');
  expect((await client.createQuiz(sampleQuiz(quizId, { questions: 1 }))).status).toBe(201);
  expect((await client.closeQuiz(quizId)).status).toBe(200);
  streams.board = Array.from({ length: 1_234 }, (_, i) => entry(i + 1, `p${i + 1}`, 5_000 - i));
  const { page, logs } = await newPage(browser);
  // The print dialog would block a headless page: count the calls instead.
  await page.addInitScript('window.__printed = 0; window.print = () => { window.__printed += 1; };');
  await page.goto(`${pushUrl}/host.html?quiz=${quizId}`);
  await page.locator('#downloads').waitFor();
  await page.getByRole('button', { name: 'Final standings (print)' }).click();
  await page.locator('#final-standings').waitFor();
  expect(await page.locator('#final-standings-rows tr').count()).toBe(1_234);
  expect(await page.locator('#final-standings-rows tr').nth(1_233).locator('td').allTextContents()).toEqual(['1234', 'P1234', '3767']);
  expect(await page.evaluate('window.__printed')).toBe(1);
  streams.board = [];
  expect(logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
});

test('several correct choices: ticks and a submit button, every correct one marked at the close, part of the points in a partial quiz; a typed answer is checked before it is sent', async () => {
  const quizId = uniqueId('webt');
  const created = await client.createQuiz({
    id: quizId,
    title: 'Types',
    partial: true,
    questions: [
      {
        id: 'q1',
        prompt: 'Which are colours?',
        choices: [
          { id: 'a', text: 'red' },
          { id: 'b', text: 'table' },
          { id: 'c', text: 'blue' },
        ],
        correct: ['a', 'c'],
      },
      { id: 'q2', type: 'text', prompt: 'Spell “colour”', accepted: ['colour', 'color'] },
    ],
  });
  expect(created.status).toBe(201);

  // Pages of earlier tests may still hold personal streams: events go to this page's only.
  const earlier = new Set(streams.personal);
  const mine = () => new Set([...streams.personal].filter((res) => !earlier.has(res)));
  const { page, logs } = await newPage(browser, { width: 390, height: 800 });
  onCleanup(() => page.context().close());
  await page.goto(`${pushUrl}/play.html?quiz=${quizId}`);
  await page.getByLabel('Your name').fill('Eve');
  await page.getByRole('button', { name: 'Join' }).click();
  await page.locator('#game').waitFor();
  await waitUntil('the personal stream', () => mine().size === 1, 30_000);

  const opened = await client.open(quizId, 'q1');
  expect(opened.status).toBe(200);
  const q1 = { questionId: 'q1', type: 'choice', multiple: true, prompt: 'Which are colours?', points: 1000, timeLimitMs: 20_000, ...opened.body };
  send(mine(), 'question-opened', { ...q1, choices: created.body.questions[0].choices });
  await page.locator('#question[data-mode="multiple"]').waitFor();
  expect(await page.locator('#answer-hint').textContent()).toBe('More than one answer is right: tick every right one, then submit.');
  const submit = page.getByRole('button', { name: 'Submit answer' });
  expect(await submit.isDisabled()).toBe(true);
  // Eve ticks both right choices and a wrong one: ingest takes the three picks.
  await page.getByRole('checkbox', { name: 'blue' }).check();
  await page.getByRole('checkbox', { name: 'table' }).check();
  await page.getByRole('checkbox', { name: 'red' }).check();
  await submit.click();
  await page.locator('#result', { hasText: 'Answer locked in: “red + table + blue”.' }).waitFor();
  expect(await page.getByRole('checkbox', { name: 'blue' }).isDisabled()).toBe(true);
  // The reveal alone cannot say what a partial quiz gives for it: the points will.
  send(mine(), 'question-closed', { questionId: 'q1', correct: ['a', 'c'], accepted: [], counts: { a: 3, b: 1, c: 2 }, closedAt: new Date().toISOString() });
  await page.locator('label.correct[data-choice-id="c"]').waitFor();
  expect(await page.locator('label.correct').evaluateAll((els) => els.map((e) => e.getAttribute('data-choice-id')))).toEqual(['a', 'c']);
  expect(await page.locator('label[data-choice-id="a"] .choice-note').textContent()).toBe('✓ correct · 3 answers');
  expect(await page.locator('#result').textContent()).toBe('Waiting for your points…');
  // (2 right − 1 wrong) / 2 correct: half the points.
  send(mine(), 'answer-result', { answerId: 'x', questionId: 'q1', correct: false, points: 500, total: 500, rank: 2, late: false, bonus: 0 });
  await page.locator('#result', { hasText: 'Partly right: +500 points. Total 500, 2nd place.' }).waitFor();

  // The typed answer: a blank one is not sent; one too long cannot be typed.
  const opened2 = await client.open(quizId, 'q2');
  expect(opened2.status).toBe(200);
  send(mine(), 'question-opened', { questionId: 'q2', type: 'text', multiple: false, prompt: 'Spell “colour”', choices: [], points: 1000, timeLimitMs: 20_000, ...opened2.body });
  await page.locator('#question[data-mode="text"]').waitFor();
  expect(await page.locator('#choices').isHidden()).toBe(true);
  await page.getByLabel('Your answer').fill('   ');
  await page.getByRole('button', { name: 'Submit', exact: true }).click();
  await page.locator('#result', { hasText: 'Type an answer first.' }).waitFor();
  await page.getByLabel('Your answer').fill('x'.repeat(250));
  expect((await page.getByLabel('Your answer').inputValue()).length).toBe(200);
  await page.getByLabel('Your answer').fill(' Color ');
  await page.getByRole('button', { name: 'Submit', exact: true }).click();
  await page.locator('#result', { hasText: 'Answer locked in: “Color”.' }).waitFor();
  send(mine(), 'question-closed', { questionId: 'q2', correct: [], accepted: ['colour', 'color'], counts: { correct: 4, wrong: 2 }, closedAt: new Date().toISOString() });
  await page.locator('#accepted', { hasText: 'Accepted: “colour”, “color”' }).waitFor();
  expect(await page.locator('#right-wrong').textContent()).toBe('4 right · 2 wrong');
  send(mine(), 'answer-result', { answerId: 'y', questionId: 'q2', correct: true, points: 1050, total: 1550, rank: 1, late: false, bonus: 100 });
  await page.locator('#result', { hasText: 'Correct! +1050 points (with a +100 streak bonus). Total 1550, 1st place.' }).waitFor();
  expect(await page.locator('#total').textContent()).toBe('1550');
  await screenshot(page, 'scripted-play-text');
  expect(logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
});
