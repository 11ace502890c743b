import { answerBody, answerLabel, answerModeOf, choicesOf, rightByReveal, type AnswerInput, type AnswerMode } from './lib/answer';
import { ApiError, IngestApi } from './lib/api';
import { loadPageConfig } from './lib/config';
import { $, h, onSubmit, queryParam, randomBytes, say, show } from './lib/dom';
import { acceptedText, lockedInText, ordinal, resultText, rightWrongText } from './lib/display';
import { randomAnswerId, randomPlayerId } from './lib/ids';
import { parseJoinCode } from './lib/join-code';
import {
  parseAnswerReceived,
  parseAnswerResult,
  parsePlayerStanding,
  parseQuestionOpened,
  parseReveal,
  type AnswerResult,
  type QuestionReveal,
} from './lib/messages';
import { BOARD_TOP_N, NEIGHBOURS, neighbourhood } from './lib/standings';
import { openQuestionOf, remainingMs, type OpenQuestion, type ScoreVisibility } from './lib/quiz';
import { openLiveStream, showStreamStatus, type LiveStream } from './lib/stream';

// The players' page: join with a name, then follow the quiz on the personal stream (question
// opened, own answer received and scored, question closed with the reveal) and answer: one tap for
// one correct choice or true/false, ticks and a submit button when several choices are correct,
// a text field for a typed answer.
// The question itself comes from ingest's public quiz view, which never holds the answer key; the
// reveal arrives only once the question is closed. In an onClose quiz (the default) the page says
// "answer locked in" until the close, when the result comes with the reveal; in a live quiz the
// result comes as soon as the answer is scored.

interface Session {
  quizId: string;
  playerId: string;
  displayName: string;
  token: string;
}

interface MyAnswer {
  answerId: string;
  input: AnswerInput;
  state: 'sending' | 'accepted' | 'failed';
}

let api: IngestApi;
let session: Session;
let personalStream: LiveStream | undefined;
let current: (OpenQuestion & { receivedAt: number; mode: AnswerMode }) | undefined;
let scoreVisibility: ScoreVisibility | undefined;
/** The quiz gives part of the points for some of several correct choices. */
let partialPoints = false;
const answers = new Map<string, MyAnswer>();
const results = new Map<string, AnswerResult>();
const reveals = new Map<string, QuestionReveal>();
let ticker: number | undefined;

const storageKey = (quizId: string) => `quizstream.play.${quizId}`;

function loadSession(quizId: string): Session | undefined {
  // Per tab (sessionStorage): a reload keeps the player, a second tab is a second player.
  const raw = sessionStorage.getItem(storageKey(quizId));
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Session;
  } catch (err) {
    console.warn('forgetting an unreadable saved session', err);
    sessionStorage.removeItem(storageKey(quizId));
    return undefined;
  }
}

function messageOf(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'quiz_not_found') return 'There is no quiz with that id.';
    if (err.code === 'pin_not_found') return 'No game is running with that PIN. Check the number on the big screen.';
    if (err.code === 'quiz_closed') return 'This quiz is already over.';
    if (err.code === 'kicked') return 'The host removed you from this game.';
    return err.message;
  }
  return (err as Error).message;
}

function showStanding(total: number, rank: number): void {
  $('#total').textContent = String(total);
  $('#rank').textContent = rank > 0 ? ordinal(rank) : '–';
}

/** Below the board's top N a player cannot find themselves on the big screen: list who is around them. */
function showNeighbourhood(rows: ReturnType<typeof neighbourhood>): void {
  show($('#neighbours'), rows.length > 0);
  $('#neighbour-list').replaceChildren(
    ...rows.map((e) =>
      h('li', { class: e.me ? 'me' : '', attrs: { value: String(e.rank), ...(e.me ? { 'aria-current': 'true' } : {}) } }, [
        h('span', { class: 'name', text: e.me ? `${e.displayName} (you)` : e.displayName }),
        h('span', { class: 'score', text: String(e.score) }),
      ]),
    ),
  );
}

async function refreshStanding(): Promise<void> {
  // Push's read of one player (the totals a missed answer-result would have carried), with the
  // players around them, which the page shows only below the board's top N.
  const res = await fetch(`v1/quizzes/${encodeURIComponent(session.quizId)}/players/${encodeURIComponent(session.playerId)}?around=${NEIGHBOURS}`, { cache: 'no-store' });
  if (res.status === 404) return; // not scored yet: the join is still on its way through the pipeline
  if (!res.ok) throw new Error(`standing: HTTP ${res.status}`);
  const standing = parsePlayerStanding(await res.json());
  if (!standing) return;
  showStanding(standing.score, standing.rank);
  showNeighbourhood(neighbourhood(standing, BOARD_TOP_N));
}

function stopTicker(): void {
  if (ticker !== undefined) window.clearInterval(ticker);
  ticker = undefined;
}

/** The choices as shown: buttons (one tap) or ticked labels (several correct), each with its data-choice-id. */
function choiceItems(): HTMLElement[] {
  return Array.from(document.querySelectorAll<HTMLElement>('#choices [data-choice-id]'));
}

function checkedChoiceIds(): string[] {
  return Array.from(document.querySelectorAll<HTMLInputElement>('#choices input[type=checkbox]:checked'), (i) => i.value);
}

/** Every way to answer (buttons, ticks, submit, text field) on or off at once. */
function setChoicesEnabled(enabled: boolean): void {
  for (const el of document.querySelectorAll<HTMLButtonElement | HTMLInputElement>('#choices button, #choices input, #text-answer input, #text-answer button')) {
    el.disabled = !enabled;
  }
  ($('#submit-choices') as HTMLButtonElement).disabled = !enabled || checkedChoiceIds().length === 0;
}

function tick(): void {
  if (!current) return;
  const left = remainingMs(current, Date.now(), current.receivedAt);
  const total = current.timeLimitMs ?? left;
  const bar = $('#countdown') as HTMLProgressElement;
  bar.max = Math.max(1, total);
  bar.value = left;
  $('#seconds').textContent = `${Math.ceil(left / 1000)} s`;
  if (left <= 0) {
    stopTicker();
    setChoicesEnabled(false);
    if (!answers.has(current.questionId) && !reveals.has(current.questionId)) say($('#result'), "Time's up. Waiting for the reveal…");
  }
}

/** One tap answers: a button per choice (true/false is two of them). */
function choiceButton(questionId: string, c: { id: string; text: string }, i: number): HTMLLIElement {
  const button = h('button', { class: `choice c${i % 4}`, attrs: { type: 'button', 'data-choice-id': c.id, 'aria-pressed': 'false' } }, [
    h('span', { class: 'choice-text', text: c.text }),
    h('span', { class: 'choice-note' }),
  ]);
  button.addEventListener('click', () => void answer(questionId, { choiceIds: [c.id] }));
  return h('li', {}, [button]);
}

/** Several correct choices: tick every one, then submit. */
function choiceTick(questionId: string, c: { id: string; text: string }, i: number): HTMLLIElement {
  const id = `tick-${questionId}-${i}`;
  const box = h('input', { attrs: { type: 'checkbox', id, value: c.id } });
  box.addEventListener('change', () => {
    ($('#submit-choices') as HTMLButtonElement).disabled = checkedChoiceIds().length === 0;
  });
  return h('li', {}, [
    h('label', { class: `choice tick c${i % 4}`, attrs: { for: id, 'data-choice-id': c.id } }, [
      box,
      h('span', { class: 'choice-text', text: c.text }),
      h('span', { class: 'choice-note' }),
    ]),
  ]);
}

function showQuestion(q: OpenQuestion, receivedAt: number): void {
  if (current?.questionId === q.questionId) return;
  const mode = answerModeOf(q);
  current = { ...q, choices: [...choicesOf(q)], receivedAt, mode };
  show($('#waiting'), false);
  show($('#question'), true);
  $('#question').dataset.mode = mode;
  delete $('#question').dataset.verdict;
  $('#prompt').textContent = q.prompt;
  const list = $('#choices');
  list.className = `choices${mode === 'truefalse' ? ' truefalse' : ''}`;
  list.replaceChildren(...current.choices.map((c, i) => (mode === 'multiple' ? choiceTick(q.questionId, c, i) : choiceButton(q.questionId, c, i))));
  show(list, mode !== 'text');
  show($('#submit-choices'), mode === 'multiple');
  show($('#text-answer'), mode === 'text');
  const textInput = $('#text-input') as HTMLInputElement;
  textInput.value = '';
  const hint = $('#answer-hint');
  hint.textContent = mode === 'multiple' ? 'More than one answer is right: tick every right one, then submit.' : '';
  show(hint, mode === 'multiple');
  say($('#result'), mode === 'text' ? 'Type your answer.' : mode === 'multiple' ? 'Tick your answers.' : 'Pick an answer.');
  show($('#reveal-note'), false);
  show($('#text-reveal'), false);
  setChoicesEnabled(true);
  stopTicker();
  ticker = window.setInterval(tick, 200);
  tick();
  if (mode === 'text') textInput.focus();
  else choiceItems()[0]?.focus();
}

async function answer(questionId: string, input: AnswerInput): Promise<void> {
  if (answers.has(questionId) && answers.get(questionId)?.state !== 'failed') return;
  // One id per question, kept for retries: ingest then treats a repeat as the same answer.
  const answerId = answers.get(questionId)?.answerId ?? randomAnswerId(randomBytes);
  let body;
  try {
    body = answerBody(questionId, answerId, input);
  } catch (err) {
    say($('#result'), (err as Error).message, 'error');
    return;
  }
  const mine: MyAnswer = { answerId, input, state: 'sending' };
  answers.set(questionId, mine);
  setChoicesEnabled(false);
  const picked = 'choiceIds' in input ? input.choiceIds : [];
  for (const b of choiceItems()) if (b instanceof HTMLButtonElement) b.setAttribute('aria-pressed', String(picked.includes(b.dataset.choiceId ?? '')));
  const text = answerLabel(input, current?.choices ?? []);
  say($('#result'), `Sending “${text}”…`);
  for (let attempt = 1; ; attempt++) {
    try {
      await api.answer(session.quizId, session.token, body);
      mine.state = 'accepted';
      if (!results.has(questionId) && !reveals.has(questionId)) say($('#result'), lockedInText(text, scoreVisibility));
      return;
    } catch (err) {
      // The first request with this id is still being written: the same id again is safe.
      if (err instanceof ApiError && err.code === 'answer_pending' && attempt < 5) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (err instanceof ApiError && err.code === 'already_answered') {
        mine.state = 'accepted';
        say($('#result'), 'You already answered this question.');
        return;
      }
      if (err instanceof ApiError && err.code === 'kicked') {
        mine.state = 'accepted';
        removed();
        return;
      }
      if (err instanceof ApiError && (err.code === 'question_not_open' || err.code === 'quiz_closed')) {
        mine.state = 'accepted';
        say($('#result'), 'Too late: the question has closed.', 'error');
        return;
      }
      mine.state = 'failed';
      say($('#result'), `Your answer did not go through: ${messageOf(err)} Tap again to retry.`, 'error');
      if (current && current.questionId === questionId && remainingMs(current, Date.now(), current.receivedAt) > 0) setChoicesEnabled(true);
      return;
    }
  }
}

/** The host kicked this player: nothing more to play. */
function removed(): void {
  stopTicker();
  setChoicesEnabled(false);
  personalStream?.close();
  say($('#result'), 'The host removed you from this game.', 'error');
  $('#game').dataset.removed = 'true';
}

/** The pipeline counted the answer: also what a player whose 202 got lost on the way learns. */
function showReceived(answerId: string, questionId: string): void {
  const mine = answers.get(questionId);
  if (!mine || mine.answerId !== answerId || mine.state === 'accepted') return;
  mine.state = 'accepted';
  setChoicesEnabled(false);
  if (current?.questionId !== questionId || results.has(questionId) || reveals.has(questionId)) return;
  say($('#result'), lockedInText(answerLabel(mine.input, current.choices), scoreVisibility));
}

function showResult(r: AnswerResult): void {
  results.set(r.questionId, r);
  showStanding(r.total, r.rank);
  // The neighbours moved too; only worth a read when the player is off the board's top N.
  if (r.rank > BOARD_TOP_N || !$('#neighbours').hidden) void refreshStanding().catch((err: unknown) => console.warn('standing refresh failed', err));
  if (current?.questionId !== r.questionId) return;
  // Partly right (several correct choices in a partial quiz) earned points: not shown as an error.
  const partly = !r.correct && r.points > 0;
  say($('#result'), resultText(r), r.correct ? 'ok' : partly ? 'info' : 'error');
  $('#question').dataset.verdict = r.correct ? 'correct' : partly ? 'partial' : 'wrong';
  // For tests and tools: the streak part of these points.
  $('#result').dataset.bonus = String(r.bonus);
}

function showReveal(reveal: QuestionReveal): void {
  reveals.set(reveal.questionId, reveal);
  if (current?.questionId !== reveal.questionId) return;
  stopTicker();
  setChoicesEnabled(false);
  $('#seconds').textContent = 'closed';
  ($('#countdown') as HTMLProgressElement).value = 0;
  if (current.mode === 'text') {
    // A typed answer: the accepted spellings and how many got it, nothing per choice.
    $('#accepted').textContent = acceptedText(reveal.accepted);
    $('#right-wrong').textContent = rightWrongText(reveal.counts);
    show($('#text-reveal'), true);
  } else {
    for (const b of choiceItems()) {
      const id = b.dataset.choiceId ?? '';
      const right = reveal.correct.includes(id);
      const n = reveal.counts[id] ?? 0;
      b.classList.toggle('correct', right);
      b.classList.toggle('incorrect', !right);
      const note = b.querySelector<HTMLElement>('.choice-note');
      if (note) note.textContent = `${right ? '✓ correct · ' : ''}${n} ${n === 1 ? 'answer' : 'answers'}`;
    }
    show($('#reveal-note'), true);
  }
  const mine = answers.get(reveal.questionId);
  const result = results.get(reveal.questionId);
  if (!mine) say($('#result'), 'You did not answer this one.');
  else if (!result) {
    const right = rightByReveal(mine.input, reveal, partialPoints);
    say($('#result'), right === true ? 'Your answer was right! Waiting for your points…' : right === false ? 'Your answer was wrong.' : 'Waiting for your points…');
  }
}

async function syncQuiz(): Promise<void> {
  const quiz = await api.quiz(session.quizId);
  $('#title').textContent = quiz.title;
  scoreVisibility = quiz.scoreVisibility;
  partialPoints = quiz.partial === true;
  const open = openQuestionOf(quiz, Date.now());
  if (open) showQuestion(open, Date.now());
  if (quiz.status === 'closed') {
    stopTicker();
    show($('#over'), true);
  }
}

/** The player's own events; ended by push when the token expires, then reopened with a new token. */
function openPersonalStream(): LiveStream {
  return openLiveStream(
    `v1/quizzes/${encodeURIComponent(session.quizId)}/me/stream?token=${encodeURIComponent(session.token)}`,
    {
      'question-opened': (data) => {
        const q = parseQuestionOpened(data);
        if (q) showQuestion(q, Date.now());
        else void syncQuiz().catch((err: unknown) => console.warn('quiz refresh failed', err));
      },
      'answer-received': (data) => {
        const r = parseAnswerReceived(data);
        if (r) showReceived(r.answerId, r.questionId);
      },
      'answer-result': (data) => {
        const r = parseAnswerResult(data);
        if (r) showResult(r);
      },
      'question-closed': (data) => {
        const r = parseReveal(data);
        if (r) showReveal(r);
      },
      // The stream ends when the token it was opened with expires: take a new one and go on.
      'token-expired': () => {
        void renewSession().catch((err: unknown) => say($('#result'), `Your session expired and could not be renewed: ${messageOf(err)} Reload to join again.`, 'error'));
      },
    },
    (status) => {
      showStreamStatus($('#conn'), status);
      if (status.state === 'live' && status.reconnects > 0) refreshAfterGap();
    },
  );
}

async function renewSession(): Promise<void> {
  personalStream?.close();
  ({ token: session.token } = await api.devToken(session.playerId, session.displayName));
  personalStream = openPersonalStream();
  refreshAfterGap();
}

/** Personal events are not replayed: after a reconnect or a new stream, read the state afresh. */
function refreshAfterGap(): void {
  void syncQuiz().catch((err: unknown) => console.warn('quiz refresh failed', err));
  void refreshStanding().catch((err: unknown) => console.warn('standing refresh failed', err));
}

async function startGame(): Promise<void> {
  show($('#join'), false);
  show($('#game'), true);
  $('#me').textContent = session.displayName;
  $('#title').textContent = `Quiz ${session.quizId}`;
  const scoreboard = $('#scoreboard-link') as HTMLAnchorElement;
  scoreboard.href = `scoreboard.html?quiz=${encodeURIComponent(session.quizId)}`;
  showStanding(0, 0);
  personalStream = openPersonalStream();
  await Promise.all([
    syncQuiz(),
    refreshStanding().catch((err: unknown) => console.warn('standing unavailable', err)),
  ]);
}

/** The quiz a PIN or id leads to. Six digits are a PIN first; an id made of six digits still works. */
async function quizIdOf(code: string): Promise<string> {
  const parsed = parseJoinCode(code);
  if (!parsed) throw new Error('Enter the game PIN shown on the big screen (six digits) or a quiz id.');
  if ('quizId' in parsed) return parsed.quizId;
  try {
    return (await api.pin(parsed.pin)).quizId;
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'pin_not_found')) throw err;
    await api.quiz(parsed.pin).catch(() => {
      throw err;
    });
    return parsed.pin;
  }
}

async function join(code: string, displayName: string): Promise<void> {
  const quizId = await quizIdOf(code);
  const playerId = randomPlayerId(randomBytes);
  const { token } = await api.devToken(playerId, displayName);
  const joined = await api.join(quizId, token, displayName);
  session = { quizId, playerId, displayName: joined.displayName, token };
  sessionStorage.setItem(storageKey(quizId), JSON.stringify(session));
  const url = new URL(window.location.href);
  url.searchParams.delete('pin');
  url.searchParams.set('quiz', quizId);
  window.history.replaceState(null, '', url);
  await startGame();
}

async function main(): Promise<void> {
  const config = await loadPageConfig();
  api = new IngestApi(config.ingestUrl);
  const quizParam = queryParam('quiz');
  const pinParam = queryParam('pin');
  $('#submit-choices').addEventListener('click', () => {
    if (current) void answer(current.questionId, { choiceIds: checkedChoiceIds() });
  });
  onSubmit($('#text-answer'), () => {
    if (current) void answer(current.questionId, { text: ($('#text-input') as HTMLInputElement).value });
  });
  const saved = quizParam ? loadSession(quizParam) : undefined;
  if (saved) {
    session = saved;
    await startGame();
    return;
  }
  const form = $('#join-form') as HTMLFormElement;
  const quizInput = $('#quiz-input') as HTMLInputElement;
  const nameInput = $('#name-input') as HTMLInputElement;
  // The QR code on the big screen carries the PIN: the player only types a name.
  const given = pinParam ?? quizParam;
  if (given) quizInput.value = given;
  (given ? nameInput : quizInput).focus();
  onSubmit(form, () => {
    const button = form.querySelector('button');
    if (button) button.disabled = true;
    say($('#join-status'), 'Joining…');
    join(quizInput.value.trim(), nameInput.value.trim()).catch((err: unknown) => {
      say($('#join-status'), `Could not join: ${messageOf(err)}`, 'error');
      if (button) button.disabled = false;
    });
  });
}

main().catch((err: unknown) => {
  $('#fatal').textContent = `Something went wrong: ${(err as Error).message}`;
});
