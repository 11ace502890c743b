import type { SnapshotWire } from '../../common/messages/wire';
import { ApiError, IngestApi } from './lib/api';
import { loadPageConfig, type PageConfig } from './lib/config';
import { $, h, queryParam, randomBytes, say, show } from './lib/dom';
import { isNewer } from './lib/display';
import { quizFromForm, type FormQuestion } from './lib/host-form';
import { randomPlayerId } from './lib/ids';
import { parseReveal, parseSnapshot, type QuestionReveal } from './lib/messages';
import type { Choice, ScoreVisibility } from './lib/quiz';
import { openLiveStream, showStreamStatus, type LiveStream } from './lib/stream';

// The host's page: create a quiz (form or pasted JSON), open and close its questions, and watch
// answers come in. What it shows is only what the public API tells anyone: while a question is
// open, the number of answers so far (the leaderboard's answer count since the question opened);
// per-choice counts once the question closes (the reveal on the personal stream, read with a dev
// token of an observer who never joins). Ingest does not publish per-choice counts of an open
// question, by design, so the page does not pretend to have them.

interface HostQuestion {
  id: string;
  prompt?: string;
  choices?: Choice[];
  correct?: string[];
  state: 'pending' | 'open' | 'closed';
  /** The leaderboard's answer count when this question opened. */
  answersAtOpen?: number;
  closesAt?: string;
}

let api: IngestApi;
let config: PageConfig;
let quizId = '';
let questions: HostQuestion[] = [];
let snapshot: SnapshotWire | undefined;
const reveals = new Map<string, QuestionReveal>();
let streams: LiveStream[] = [];
let ticker: number | undefined;

const adminKey = () => ($('#key-input') as HTMLInputElement).value.trim();

function messageOf(err: unknown): string {
  if (err instanceof ApiError && err.status === 401) return 'The admin key was refused.';
  return (err as Error).message;
}

function addFormQuestion(): void {
  const list = $('#form-questions');
  const n = list.children.length + 1;
  const fieldset = h('fieldset', { class: 'form-question' }, [h('legend', { text: `Question ${n}` })]);
  const prompt = h('input', { attrs: { type: 'text', id: `fq${n}-prompt`, name: 'prompt', required: '', maxlength: '1000' } });
  fieldset.append(h('label', { text: 'Prompt', attrs: { for: `fq${n}-prompt` } }), prompt);
  const choices = h('div', { class: 'form-choices' });
  for (let i = 0; i < 4; i++) {
    const textId = `fq${n}-c${i}`;
    choices.append(
      h('div', { class: 'form-choice' }, [
        h('input', { attrs: { type: 'radio', name: `fq${n}-correct`, value: String(i), id: `${textId}-ok`, ...(i === 0 ? { checked: '' } : {}) } }),
        h('label', { class: 'visually-hidden', text: `Choice ${i + 1} is correct`, attrs: { for: `${textId}-ok` } }),
        h('label', { class: 'visually-hidden', text: `Choice ${i + 1}`, attrs: { for: textId } }),
        h('input', { attrs: { type: 'text', id: textId, name: 'choice', placeholder: `Choice ${i + 1}${i < 2 ? '' : ' (optional)'}`, maxlength: '200' } }),
      ]),
    );
  }
  fieldset.append(h('p', { class: 'hint', text: 'Mark the correct choice with its radio button.' }), choices);
  fieldset.append(
    h('label', { text: 'Time limit (seconds)', attrs: { for: `fq${n}-time` } }),
    h('input', { attrs: { type: 'number', id: `fq${n}-time`, name: 'time', min: '1', max: '3600', value: '20' } }),
  );
  list.append(fieldset);
  prompt.focus();
}

function readFormQuestions(): FormQuestion[] {
  return Array.from(document.querySelectorAll<HTMLFieldSetElement>('#form-questions fieldset')).map((fs) => ({
    prompt: fs.querySelector<HTMLInputElement>('input[name=prompt]')?.value ?? '',
    choices: Array.from(fs.querySelectorAll<HTMLInputElement>('input[name=choice]')).map((i) => i.value),
    correctIndex: Number(fs.querySelector<HTMLInputElement>('input[type=radio]:checked')?.value ?? 0),
    timeLimitSeconds: Number(fs.querySelector<HTMLInputElement>('input[name=time]')?.value ?? 20),
  }));
}

async function create(body: unknown): Promise<void> {
  const created = await api.createQuiz(adminKey(), body);
  questions = created.questions.map((q) => ({ id: q.id, prompt: q.prompt, choices: q.choices, correct: q.correct, state: 'pending' }));
  await manage(created.id, created.title);
}

async function load(id: string): Promise<void> {
  const quiz = await api.quiz(id);
  questions = quiz.questions.map((q) => ({
    id: q.id,
    ...(q.prompt ? { prompt: q.prompt } : {}),
    ...(q.choices ? { choices: q.choices } : {}),
    state: q.state,
    ...(q.closesAt ? { closesAt: q.closesAt } : {}),
  }));
  await manage(quiz.id, quiz.title);
}

function answersNow(): number | undefined {
  return snapshot?.answers;
}

interface QuestionView {
  item: HTMLLIElement;
  title: HTMLHeadingElement;
  state: HTMLSpanElement;
  open: HTMLButtonElement;
  close: HTMLButtonElement;
  stats: HTMLDivElement;
}

// One view per question, built once and updated in place: the list re-renders every second while
// a question is open, and rebuilding it would steal the focus from (and swallow a click on) its buttons.
const views = new Map<string, QuestionView>();

function viewOf(q: HostQuestion): QuestionView {
  let view = views.get(q.id);
  if (view) return view;
  const state = h('span', { class: 'state' });
  const title = h('h3');
  const open = h('button', { text: 'Open', attrs: { type: 'button', 'data-action': 'open' } });
  const close = h('button', { text: 'Close', attrs: { type: 'button', 'data-action': 'close' } });
  const act = (action: 'open' | 'close') => {
    const current = questions.find((x) => x.id === q.id);
    if (current) void runAction(current, action);
  };
  open.addEventListener('click', () => act('open'));
  close.addEventListener('click', () => act('close'));
  const stats = h('div', { class: 'stats', attrs: { 'data-role': 'stats' } });
  const item = h('li', { class: 'host-question', attrs: { 'data-question-id': q.id } }, [
    title,
    h('div', { class: 'actions' }, [open, close]),
    stats,
  ]);
  view = { item, title, state, open, close, stats };
  views.set(q.id, view);
  return view;
}

function renderQuestions(): void {
  const list = $('#questions');
  questions.forEach((q, index) => {
    const view = viewOf(q);
    view.item.className = `host-question ${q.state}`;
    view.item.dataset.state = q.state;
    view.state.textContent = q.state === 'open' ? 'open' : q.state === 'closed' ? 'closed' : 'not opened yet';
    view.title.replaceChildren(`${index + 1}. ${q.prompt ?? q.id} `, view.state);
    view.open.disabled = q.state !== 'pending';
    view.close.disabled = q.state !== 'open';

    const parts: HTMLElement[] = [];
    const reveal = reveals.get(q.id);
    if (q.state === 'open') {
      const now = answersNow();
      const since = now !== undefined && q.answersAtOpen !== undefined ? Math.max(0, now - q.answersAtOpen) : undefined;
      const left = q.closesAt ? Math.max(0, Math.ceil((Date.parse(q.closesAt) - Date.now()) / 1000)) : undefined;
      parts.push(
        h('p', {
          class: 'answers-so-far',
          text: `${since ?? '…'} answers so far${left !== undefined ? ` · ${left} s left` : ''}. Per-choice counts appear when the question closes.`,
        }),
      );
    }
    const choices = q.choices ?? [];
    if (choices.length > 0) {
      const total = reveal ? Object.values(reveal.counts).reduce((a, b) => a + b, 0) : 0;
      parts.push(
        h(
          'ul',
          { class: 'choice-counts' },
          choices.map((c) => {
            const n = reveal ? (reveal.counts[c.id] ?? 0) : undefined;
            const right = (reveal?.correct ?? q.correct ?? []).includes(c.id);
            const li = h('li', { attrs: { 'data-choice-id': c.id } }, [
              h('span', { class: 'choice-label', text: `${c.text}${right ? ' ✓' : ''}` }),
              h('span', { class: 'count', text: n === undefined ? '' : `${n}` }),
            ]);
            if (reveal && total > 0) {
              const bar = h('span', { class: 'bar', attrs: { 'aria-hidden': 'true' } });
              bar.style.width = `${Math.round(((n ?? 0) / total) * 100)}%`;
              li.append(bar);
            }
            return li;
          }),
        ),
      );
    }
    if (q.state === 'closed' && !reveal) parts.push(h('p', { class: 'hint', text: 'Waiting for the reveal…' }));
    view.stats.replaceChildren(...parts);
    // Appending an item already in the list keeps it (and its focus) and only fixes the order.
    if (list.children[index] !== view.item) list.append(view.item);
  });
}

async function runAction(q: HostQuestion, action: 'open' | 'close'): Promise<void> {
  const status = $('#action-status');
  try {
    if (action === 'open') {
      const answersBefore = answersNow();
      const r = await api.openQuestion(adminKey(), quizId, q.id);
      q.state = 'open';
      q.closesAt = r.closesAt;
      if (answersBefore !== undefined) q.answersAtOpen = answersBefore;
      say(status, `Question ${q.id} is open until ${new Date(r.closesAt).toLocaleTimeString()}.`, 'ok');
    } else {
      await api.closeQuestion(adminKey(), quizId, q.id);
      q.state = 'closed';
      say(status, `Question ${q.id} is closed.`, 'ok');
    }
  } catch (err) {
    say(status, `Could not ${action} question ${q.id}: ${messageOf(err)}`, 'error');
    // Someone else (or the time limit) may have changed it: show what the server says now.
    await refreshStates().catch((e: unknown) => console.warn('refresh failed', e));
  }
  renderQuestions();
}

async function refreshStates(): Promise<void> {
  const quiz = await api.quiz(quizId);
  for (const pq of quiz.questions) {
    const q = questions.find((x) => x.id === pq.id);
    if (!q) continue;
    q.state = pq.state;
    if (pq.closesAt) q.closesAt = pq.closesAt;
    if (pq.prompt && !q.prompt) q.prompt = pq.prompt;
    if (pq.choices && !q.choices) q.choices = pq.choices;
  }
  $('#quiz-status').textContent = quiz.status === 'closed' ? 'closed' : 'running';
}

function renderPlayers(): void {
  if (!snapshot) return;
  $('#players').textContent = String(snapshot.players);
  $('#answers').textContent = String(snapshot.answers);
  $('#player-list').replaceChildren(...snapshot.entries.map((e) => h('li', { text: `${e.rank}. ${e.displayName} · ${e.score}` })));
}

async function openRevealStream(): Promise<void> {
  // An observer id that never joins: the personal stream sends question events to everyone
  // connected for the quiz, and this one never has results of its own.
  let token: string;
  try {
    ({ token } = await api.devToken(`host-${randomPlayerId(randomBytes).slice(2)}`, 'host'));
  } catch (err) {
    say($('#reveal-status'), `Per-choice counts are unavailable: no dev token (${messageOf(err)}).`, 'error');
    return;
  }
  streams.push(
    openLiveStream(
      `v1/quizzes/${encodeURIComponent(quizId)}/me/stream?token=${encodeURIComponent(token)}`,
      {
        'question-closed': (data) => {
          const r = parseReveal(data);
          if (!r) return;
          reveals.set(r.questionId, r);
          const q = questions.find((x) => x.id === r.questionId);
          if (q) q.state = 'closed';
          renderQuestions();
        },
        'question-opened': () => void refreshStates().then(renderQuestions, (err: unknown) => console.warn('refresh failed', err)),
      },
      (s) => showStreamStatus($('#reveal-conn'), s),
    ),
  );
}

async function manage(id: string, title: string): Promise<void> {
  for (const s of streams) s.close();
  streams = [];
  views.clear();
  $('#questions').replaceChildren();
  reveals.clear();
  snapshot = undefined;
  quizId = id;
  show($('#setup'), false);
  show($('#manage'), true);
  $('#quiz-title').textContent = title;
  $('#quiz-id').textContent = id;
  const play = new URL(`play.html?quiz=${encodeURIComponent(id)}`, window.location.href).href;
  const board = new URL(`scoreboard.html?quiz=${encodeURIComponent(id)}`, window.location.href).href;
  const playLink = $('#play-link') as HTMLAnchorElement;
  playLink.href = play;
  playLink.textContent = play;
  const boardLink = $('#board-link') as HTMLAnchorElement;
  boardLink.href = board;
  boardLink.textContent = board;
  const url = new URL(window.location.href);
  url.searchParams.set('quiz', id);
  window.history.replaceState(null, '', url);

  streams.push(
    openLiveStream(
      `v1/quizzes/${encodeURIComponent(id)}/leaderboard/stream`,
      {
        snapshot: (data) => {
          const s = parseSnapshot(data);
          if (!s || !isNewer(s, snapshot)) return;
          snapshot = s;
          for (const q of questions) if (q.state === 'open' && q.answersAtOpen === undefined) q.answersAtOpen = s.answers;
          renderPlayers();
          renderQuestions();
        },
      },
      (s) => showStreamStatus($('#conn'), s),
    ),
  );
  await openRevealStream();
  await refreshStates().catch((err: unknown) => console.warn('refresh failed', err));
  renderQuestions();
  if (ticker !== undefined) window.clearInterval(ticker);
  // Countdown text, and noticing questions the time limit closed (ingest closes them itself).
  ticker = window.setInterval(() => {
    const expired = questions.some((q) => q.state === 'open' && q.closesAt && Date.parse(q.closesAt) < Date.now());
    if (expired) void refreshStates().then(renderQuestions, (err: unknown) => console.warn('refresh failed', err));
    else if (questions.some((q) => q.state === 'open')) renderQuestions();
  }, 1_000);
}

const SAMPLE = {
  title: 'Capitals',
  scoreVisibility: 'onClose',
  questions: [
    {
      id: 'q1',
      prompt: 'What is the capital of Australia?',
      choices: [
        { id: 'a', text: 'Sydney' },
        { id: 'b', text: 'Canberra' },
        { id: 'c', text: 'Melbourne' },
      ],
      correct: ['b'],
      timeLimitMs: 20000,
    },
  ],
};

async function main(): Promise<void> {
  config = await loadPageConfig();
  api = new IngestApi(config.ingestUrl);
  const keyInput = $('#key-input') as HTMLInputElement;
  keyInput.value = sessionStorage.getItem('quizstream.host.key') ?? config.devAdminKey ?? '';
  keyInput.addEventListener('change', () => sessionStorage.setItem('quizstream.host.key', keyInput.value.trim()));
  if (config.devAdminKey) $('#key-hint').textContent = 'Local development: the dev admin key is filled in.';

  ($('#json-input') as HTMLTextAreaElement).value = JSON.stringify(SAMPLE, null, 2);
  addFormQuestion();
  $('#add-question').addEventListener('click', addFormQuestion);

  const status = $('#create-status');
  $('#create-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    try {
      const body = quizFromForm(
        ($('#title-input') as HTMLInputElement).value,
        ($('#id-input') as HTMLInputElement).value,
        readFormQuestions(),
        ($('#visibility-input') as HTMLSelectElement).value as ScoreVisibility,
      );
      say(status, 'Creating…');
      create(body).catch((err: unknown) => say(status, `Could not create the quiz: ${messageOf(err)}`, 'error'));
    } catch (err) {
      say(status, (err as Error).message, 'error');
    }
  });
  $('#json-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    let body: unknown;
    try {
      body = JSON.parse(($('#json-input') as HTMLTextAreaElement).value);
    } catch (err) {
      say(status, `That is not valid JSON: ${(err as Error).message}`, 'error');
      return;
    }
    say(status, 'Creating…');
    create(body).catch((err: unknown) => say(status, `Could not create the quiz: ${messageOf(err)}`, 'error'));
  });
  $('#load-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const id = ($('#load-input') as HTMLInputElement).value.trim();
    load(id).catch((err: unknown) => say(status, `Could not load quiz ${id}: ${messageOf(err)}`, 'error'));
  });
  $('#close-quiz').addEventListener('click', () => {
    api.closeQuiz(adminKey(), quizId).then(
      async () => {
        say($('#action-status'), 'The quiz is closed.', 'ok');
        await refreshStates();
        renderQuestions();
      },
      (err: unknown) => say($('#action-status'), `Could not close the quiz: ${messageOf(err)}`, 'error'),
    );
  });

  const existing = queryParam('quiz');
  if (existing) await load(existing);
}

main().catch((err: unknown) => {
  $('#fatal').textContent = `Something went wrong: ${(err as Error).message}`;
});
