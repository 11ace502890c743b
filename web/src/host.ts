import type { SnapshotWire } from '../../common/messages/wire';
import { ApiError, IngestApi } from './lib/api';
import { loadPageConfig, type PageConfig } from './lib/config';
import { $, h, onSubmit, queryParam, say, show } from './lib/dom';
import { choicesOf } from './lib/answer';
import { acceptedText, isNewer } from './lib/display';
import { quizFromForm, SAMPLE_QUIZ, type FormQuestion } from './lib/host-form';
import { formatPin, playUrl } from './lib/join-code';
import { parseSnapshot, parseStandingsPage, type QuestionReveal } from './lib/messages';
import { qrSvg } from './lib/qr-svg';
import type { Choice, QuestionType, ScoreVisibility } from './lib/quiz';
import { answeredOf, revealRowsOf } from './lib/stage';
import { readAllStandings } from './lib/standings';
import { openLiveStream, showStreamStatus, type LiveStream } from './lib/stream';

// The host's page: create a quiz (form or pasted JSON), then run it: the PIN and a QR code of the
// play URL to share, the players as they join (each with a button to kick them), next question,
// close the question, end the quiz, and the results to download once it is over. What it shows
// of a question is what the public API tells anyone: while it is open, how many have answered
// (the snapshots' openQuestions); once it is closed, the correct choice and how many picked each
// (ingest's reveal). Per-choice counts of an open question are not published, by design.

interface HostQuestion {
  id: string;
  prompt?: string;
  type?: QuestionType;
  choices?: Choice[];
  correct?: string[];
  /** A text question's accepted spellings: known from the creation echo, or from the reveal. */
  accepted?: string[];
  state: 'pending' | 'open' | 'closed';
  closesAt?: string;
}

let api: IngestApi;
let config: PageConfig;
let quizId = '';
let quizStatus: 'open' | 'closed' = 'open';
let questions: HostQuestion[] = [];
let snapshot: SnapshotWire | undefined;
let openKey = '';
const reveals = new Map<string, QuestionReveal>();
/** Questions whose reveal is being asked for; a refresh while it is does not ask twice. */
const revealing = new Set<string>();
let streams: LiveStream[] = [];
let ticker: number | undefined;

const adminKey = () => ($('#key-input') as HTMLInputElement).value.trim();

function messageOf(err: unknown): string {
  if (err instanceof ApiError && err.status === 401) return 'The admin key was refused.';
  return (err as Error).message;
}

/** A labelled radio or checkbox (the label after it, as forms usually show them). */
function mark(type: 'radio' | 'checkbox', id: string, name: string, value: string, label: string, checked = false, hiddenLabel = false): HTMLElement[] {
  return [
    h('input', { attrs: { type, id, name, value, ...(checked ? { checked: '' } : {}) } }),
    h('label', { class: hiddenLabel ? 'visually-hidden' : 'inline', text: label, attrs: { for: id } }),
  ];
}

function addFormQuestion(): void {
  const list = $('#form-questions');
  const n = list.children.length + 1;
  const fieldset = h('fieldset', { class: 'form-question', attrs: { 'data-type': 'choice' } }, [h('legend', { text: `Question ${n}` })]);
  const type = h('select', { attrs: { id: `fq${n}-type`, name: 'type' } }, [
    h('option', { text: 'Multiple choice', attrs: { value: 'choice', selected: '' } }),
    h('option', { text: 'True or false', attrs: { value: 'truefalse' } }),
    h('option', { text: 'Type the answer', attrs: { value: 'text' } }),
  ]);
  const prompt = h('input', { attrs: { type: 'text', id: `fq${n}-prompt`, name: 'prompt', required: '', maxlength: '1000' } });
  fieldset.append(h('label', { text: 'Question type', attrs: { for: `fq${n}-type` } }), type, h('label', { text: 'Prompt', attrs: { for: `fq${n}-prompt` } }), prompt);

  // Multiple choice: one correct choice (radio buttons) or, when ticked, several (checkboxes).
  const several = h('input', { attrs: { type: 'checkbox', id: `fq${n}-several`, name: 'several' } });
  const choices = h('div', { class: 'form-choices' });
  for (let i = 0; i < 4; i++) {
    const textId = `fq${n}-c${i}`;
    choices.append(
      h('div', { class: 'form-choice' }, [
        ...mark('radio', `${textId}-ok`, `fq${n}-correct`, String(i), `Choice ${i + 1} is correct`, i === 0, true),
        h('label', { class: 'visually-hidden', text: `Choice ${i + 1}`, attrs: { for: textId } }),
        h('input', { attrs: { type: 'text', id: textId, name: 'choice', placeholder: `Choice ${i + 1}${i < 2 ? '' : ' (optional)'}`, maxlength: '200' } }),
      ]),
    );
  }
  const choiceHint = h('p', { class: 'hint', text: 'Mark the correct choice with its radio button.' });
  several.addEventListener('change', () => {
    // The same marks change kind: going back to one correct choice keeps the first one ticked.
    let kept = false;
    for (const m of choices.querySelectorAll<HTMLInputElement>(`input[name="fq${n}-correct"]`)) {
      const wasChecked = m.checked;
      m.type = several.checked ? 'checkbox' : 'radio';
      m.checked = several.checked ? wasChecked : wasChecked && !kept;
      kept ||= m.checked;
    }
    choiceHint.textContent = several.checked ? 'Tick every correct choice.' : 'Mark the correct choice with its radio button.';
  });
  const choicePart = h('div', { class: 'type-part', attrs: { 'data-for': 'choice' } }, [
    h('div', { class: 'check' }, [several, h('label', { class: 'inline', text: 'Several choices are correct', attrs: { for: `fq${n}-several` } })]),
    choiceHint,
    choices,
  ]);

  const truePart = h('div', { class: 'type-part', attrs: { 'data-for': 'truefalse', role: 'radiogroup', 'aria-label': 'The correct answer' } }, [
    h('p', { class: 'hint', text: 'The correct answer:' }),
    h('div', { class: 'check' }, [...mark('radio', `fq${n}-true`, `fq${n}-tf`, 'true', 'True', true), ...mark('radio', `fq${n}-false`, `fq${n}-tf`, 'false', 'False')]),
  ]);

  const textPart = h('div', { class: 'type-part', attrs: { 'data-for': 'text' } }, [
    h('label', { text: 'Accepted answers (one per line)', attrs: { for: `fq${n}-accepted` } }),
    h('textarea', { attrs: { id: `fq${n}-accepted`, name: 'accepted', rows: '3', spellcheck: 'false' } }),
    h('div', { class: 'check' }, mark('checkbox', `fq${n}-accents`, 'ignoreAccents', 'on', 'Ignore accents (“cafe” counts as “café”)')),
    h('p', { class: 'hint', text: 'Case and surrounding spaces never count.' }),
  ]);

  const showType = () => {
    fieldset.dataset.type = type.value;
    for (const part of [choicePart, truePart, textPart]) show(part, part.dataset.for === type.value);
  };
  type.addEventListener('change', showType);
  fieldset.append(choicePart, truePart, textPart);
  showType();
  fieldset.append(
    h('label', { text: 'Time limit (seconds)', attrs: { for: `fq${n}-time` } }),
    h('input', { attrs: { type: 'number', id: `fq${n}-time`, name: 'time', min: '1', max: '3600', value: '20' } }),
  );
  list.append(fieldset);
  prompt.focus();
}

function readFormQuestions(): FormQuestion[] {
  return Array.from(document.querySelectorAll<HTMLFieldSetElement>('#form-questions fieldset')).map((fs) => {
    const value = (selector: string) => fs.querySelector<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(selector)?.value ?? '';
    const checked = (selector: string) => fs.querySelector<HTMLInputElement>(selector)?.checked === true;
    return {
      type: value('select[name=type]') as QuestionType,
      prompt: value('input[name=prompt]'),
      choices: Array.from(fs.querySelectorAll<HTMLInputElement>('input[name=choice]')).map((i) => i.value),
      correct: Array.from(fs.querySelectorAll<HTMLInputElement>('.form-choice input:checked'), (i) => Number(i.value)),
      answerIsTrue: checked('input[value=true]') ? true : checked('input[value=false]') ? false : undefined,
      accepted: value('textarea[name=accepted]'),
      ignoreAccents: checked('input[name=ignoreAccents]'),
      timeLimitSeconds: Number(value('input[name=time]') || 20),
    };
  });
}

async function create(body: unknown): Promise<void> {
  const created = await api.createQuiz(adminKey(), body);
  questions = created.questions.map((q) => ({
    id: q.id,
    prompt: q.prompt,
    ...(q.type ? { type: q.type } : {}),
    ...(q.choices ? { choices: q.choices } : {}),
    correct: q.correct,
    ...(q.accepted ? { accepted: q.accepted } : {}),
    state: 'pending',
  }));
  await manage(created.id, created.title, created.pin ?? null);
}

async function load(id: string): Promise<void> {
  const quiz = await api.quiz(id);
  questions = quiz.questions.map((q) => ({
    id: q.id,
    ...(q.prompt ? { prompt: q.prompt } : {}),
    ...(q.type ? { type: q.type } : {}),
    ...(q.choices ? { choices: q.choices } : {}),
    state: q.state,
    ...(q.closesAt ? { closesAt: q.closesAt } : {}),
  }));
  quizStatus = quiz.status;
  await manage(quiz.id, quiz.title, quiz.pin ?? null);
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
      parts.push(h('p', { class: 'answers-so-far', text: `${openLine(q)}. Per-choice counts appear when the question closes.` }));
    }
    const accepted = reveal?.accepted.length ? reveal.accepted : q.accepted;
    if (q.type === 'text' && accepted) parts.push(h('p', { class: 'accepted', text: acceptedText(accepted) }));
    const choices = choicesOf({ type: q.type, choices: q.choices ?? [] });
    if (choices.length > 0 || (q.type === 'text' && reveal)) {
      // Before the reveal: the choices with the host's own key; after it, every row with its count.
      const rows = reveal
        ? revealRowsOf({ type: q.type, choices }, reveal)
        : choices.map((c) => ({ id: c.id, text: c.text, right: (q.correct ?? []).includes(c.id), count: undefined, share: 0 }));
      parts.push(
        h(
          'ul',
          { class: 'choice-counts' },
          rows.map((r) => {
            const li = h('li', { attrs: { [q.type === 'text' ? 'data-count' : 'data-choice-id']: r.id } }, [
              h('span', { class: 'choice-label', text: `${r.text}${r.right && q.type !== 'text' ? ' ✓' : ''}` }),
              h('span', { class: 'count', text: r.count === undefined ? '' : `${r.count}` }),
            ]);
            if (reveal && r.share > 0) {
              const bar = h('span', { class: 'bar', attrs: { 'aria-hidden': 'true' } });
              bar.style.width = `${r.share}%`;
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
  renderControls();
}

/** "3 of 5 answered · 12 s left" for an open question. */
function openLine(q: HostQuestion): string {
  const left = q.closesAt ? Math.max(0, Math.ceil((Date.parse(q.closesAt) - Date.now()) / 1000)) : undefined;
  return `${answeredOf(snapshot, q.id) ?? '… answered'}${left !== undefined ? ` · ${left} s left` : ''}`;
}

/** The game controls: what "next" would open, what is open now, and whether the results are ready. */
function renderControls(): void {
  const open = questions.find((q) => q.state === 'open');
  const next = questions.find((q) => q.state === 'pending');
  const running = quizStatus === 'open';
  ($('#next-question') as HTMLButtonElement).disabled = !running || open !== undefined || next === undefined;
  ($('#close-question') as HTMLButtonElement).disabled = !running || open === undefined;
  ($('#close-quiz') as HTMLButtonElement).disabled = !running;
  const number = (q: HostQuestion) => `Question ${questions.indexOf(q) + 1} of ${questions.length}`;
  $('#current').textContent = !running
    ? 'The quiz is over.'
    : open
      ? `${number(open)} is open · ${openLine(open)}`
      : next
        ? `Next: ${number(next)}${questions.indexOf(next) === 0 ? ' (the lobby is open: players can join now)' : ''}`
        : 'Every question has been played: end the quiz to show the podium.';
  show($('#downloads'), !running);
  // A closed quiz's PIN is free for the next quiz: nobody should be sent to it any more.
  show($('#share'), running);
}

async function runAction(q: HostQuestion, action: 'open' | 'close'): Promise<void> {
  const status = $('#action-status');
  try {
    if (action === 'open') {
      const r = await api.openQuestion(adminKey(), quizId, q.id);
      q.state = 'open';
      q.closesAt = r.closesAt;
      say(status, `Question ${q.id} is open until ${new Date(r.closesAt).toLocaleTimeString()}.`, 'ok');
    } else {
      await api.closeQuestion(adminKey(), quizId, q.id);
      q.state = 'closed';
      say(status, `Question ${q.id} is closed.`, 'ok');
      void loadReveal(q.id);
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
    if (pq.state === 'closed' && pq.closedAt !== null) void loadReveal(q.id);
    q.state = pq.state;
    if (pq.closesAt) q.closesAt = pq.closesAt;
    if (pq.prompt && !q.prompt) q.prompt = pq.prompt;
    if (pq.choices && !q.choices) q.choices = pq.choices;
    if (pq.type && !q.type) q.type = pq.type;
  }
  quizStatus = quiz.status;
  $('#quiz-status').textContent = quiz.status === 'closed' ? 'closed' : 'running';
}

function renderPlayers(): void {
  if (!snapshot) return;
  $('#players').textContent = String(snapshot.players);
  $('#answers').textContent = String(snapshot.answers);
  show($('#lobby-empty'), snapshot.entries.length === 0);
  $('#player-list').replaceChildren(
    ...snapshot.entries.map((e) => {
      const kick = h('button', { class: 'danger', text: 'Kick', attrs: { type: 'button', 'aria-label': `Kick ${e.displayName}` } });
      kick.disabled = quizStatus !== 'open';
      kick.addEventListener('click', () => void kickPlayer(e.playerId, e.displayName, kick));
      return h('li', { attrs: { 'data-player-id': e.playerId } }, [h('span', { text: `${e.rank}. ${e.displayName} · ${e.score}` }), kick]);
    }),
  );
}

async function kickPlayer(playerId: string, name: string, button: HTMLButtonElement): Promise<void> {
  if (!window.confirm(`Remove ${name} from the game? They will not be able to join it again.`)) return;
  button.disabled = true;
  try {
    await api.kick(adminKey(), quizId, playerId);
    say($('#action-status'), `${name} was removed from the game.`, 'ok');
  } catch (err) {
    button.disabled = false;
    say($('#action-status'), `Could not remove ${name}: ${messageOf(err)}`, 'error');
  }
}

/** Ingest answers with the reveal once the processors released the close (results_pending until then). */
async function loadReveal(questionId: string): Promise<void> {
  if (revealing.has(questionId)) return;
  revealing.add(questionId);
  try {
    await askForReveal(questionId);
  } finally {
    revealing.delete(questionId);
  }
}

async function askForReveal(questionId: string): Promise<void> {
  for (let attempt = 0; attempt < 30 && !reveals.has(questionId); attempt++) {
    try {
      const r = await api.reveal(quizId, questionId);
      reveals.set(questionId, { questionId, correct: r.correct, accepted: r.accepted ?? [], counts: r.counts });
      renderQuestions();
      return;
    } catch (err) {
      if (!(err instanceof ApiError && (err.status === 0 || err.status === 429 || err.status === 503))) {
        console.warn('reveal unavailable', err);
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Fetches a results CSV with the admin key and hands it to the browser as a download. */
async function download(file: 'results.csv' | 'questions.csv'): Promise<void> {
  const status = $('#download-status');
  for (let attempt = 1; ; attempt++) {
    try {
      const blob = await api.file(`/v1/quizzes/${encodeURIComponent(quizId)}/${file}`, adminKey());
      const url = URL.createObjectURL(blob);
      const link = h('a', { attrs: { href: url, download: `${quizId}-${file}` } });
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
      say(status, `Downloaded ${quizId}-${file}.`, 'ok');
      return;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'results_pending' && attempt < 20) {
        say(status, 'The last scores are still being counted…');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      say(status, `Could not download the results: ${messageOf(err)}`, 'error');
      return;
    }
  }
}

/** Every player's final place, read page by page from push's full standings, then the print dialog. */
async function printStandings(): Promise<void> {
  const status = $('#download-status');
  say(status, 'Reading the standings…');
  try {
    const entries = await readAllStandings(async (offset, limit) => {
      const res = await fetch(`v1/quizzes/${encodeURIComponent(quizId)}/leaderboard?offset=${offset}&limit=${limit}`, { cache: 'no-store' });
      if (!res.ok) throw new Error(`standings: HTTP ${res.status}`);
      const page = parseStandingsPage(await res.json());
      if (!page) throw new Error('standings: an unreadable page');
      return page;
    });
    $('#final-standings-heading').textContent = `Final standings · ${$('#quiz-title').textContent ?? quizId}`;
    $('#final-standings-note').textContent = `${entries.length} ${entries.length === 1 ? 'player' : 'players'}; equal scores: who reached the score first ranks higher.`;
    $('#final-standings-rows').replaceChildren(
      ...entries.map((e) => h('tr', {}, [h('td', { text: String(e.rank) }), h('td', { text: e.displayName }), h('td', { text: String(e.score) })])),
    );
    show($('#final-standings'), true);
    say(status, `Standings of ${entries.length} players ready.`, 'ok');
    document.body.classList.add('printing-standings');
    window.print();
  } catch (err) {
    say(status, `Could not read the standings: ${messageOf(err)}`, 'error');
  } finally {
    document.body.classList.remove('printing-standings');
  }
}

async function manage(id: string, title: string, pin: string | null): Promise<void> {
  for (const s of streams) s.close();
  streams = [];
  views.clear();
  $('#questions').replaceChildren();
  show($('#final-standings'), false);
  reveals.clear();
  snapshot = undefined;
  openKey = '';
  quizId = id;
  show($('#setup'), false);
  show($('#manage'), true);
  $('#quiz-title').textContent = title;
  $('#quiz-id').textContent = id;
  const play = playUrl(window.location.href, id, pin);
  const board = new URL(`scoreboard.html?quiz=${encodeURIComponent(id)}`, window.location.href).href;
  $('#host-pin').textContent = pin ? formatPin(pin) : '–';
  $('#host-qr').replaceChildren(qrSvg(play, 'QR code of the play page with this game'));
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
          // A question opened or closed without this page (the time limit, everyone answered, another host tab).
          const key = s.openQuestions.map((q) => q.questionId).join(',');
          if (key !== openKey) {
            openKey = key;
            void refreshStates().then(renderQuestions, (err: unknown) => console.warn('refresh failed', err));
          }
          renderPlayers();
          renderQuestions();
        },
      },
      (s) => showStreamStatus($('#conn'), s),
    ),
  );
  await refreshStates().catch((err: unknown) => console.warn('refresh failed', err));
  renderQuestions();
  renderPlayers();
  if (ticker !== undefined) window.clearInterval(ticker);
  // Countdown text, and noticing questions the time limit closed (ingest closes them itself).
  ticker = window.setInterval(() => {
    const expired = questions.some((q) => q.state === 'open' && q.closesAt && Date.parse(q.closesAt) < Date.now());
    if (expired) void refreshStates().then(renderQuestions, (err: unknown) => console.warn('refresh failed', err));
    else if (questions.some((q) => q.state === 'open')) renderQuestions();
  }, 1_000);
}


async function main(): Promise<void> {
  config = await loadPageConfig();
  api = new IngestApi(config.ingestUrl);
  const keyInput = $('#key-input') as HTMLInputElement;
  keyInput.value = sessionStorage.getItem('quizstream.host.key') ?? config.devAdminKey ?? '';
  keyInput.addEventListener('change', () => sessionStorage.setItem('quizstream.host.key', keyInput.value.trim()));
  if (config.devAdminKey) $('#key-hint').textContent = 'Local development: the dev admin key is filled in.';

  ($('#json-input') as HTMLTextAreaElement).value = JSON.stringify(SAMPLE_QUIZ, null, 2);
  addFormQuestion();
  $('#add-question').addEventListener('click', addFormQuestion);

  const status = $('#create-status');
  onSubmit($('#create-form'), () => {
    try {
      const body = quizFromForm(($('#title-input') as HTMLInputElement).value, ($('#id-input') as HTMLInputElement).value, readFormQuestions(), {
        scoreVisibility: ($('#visibility-input') as HTMLSelectElement).value as ScoreVisibility,
        closeWhenAllAnswered: ($('#all-answered-input') as HTMLInputElement).checked,
        scoring: ($('#scoring-input') as HTMLSelectElement).value === 'flat' ? 'flat' : 'speed',
        streak: ($('#streak-input') as HTMLInputElement).checked,
        partial: ($('#partial-input') as HTMLInputElement).checked,
      });
      say(status, 'Creating…');
      create(body).catch((err: unknown) => say(status, `Could not create the quiz: ${messageOf(err)}`, 'error'));
    } catch (err) {
      say(status, (err as Error).message, 'error');
    }
  });
  onSubmit($('#json-form'), () => {
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
  onSubmit($('#load-form'), () => {
    const id = ($('#load-input') as HTMLInputElement).value.trim();
    load(id).catch((err: unknown) => say(status, `Could not load quiz ${id}: ${messageOf(err)}`, 'error'));
  });
  $('#close-quiz').addEventListener('click', () => {
    api.closeQuiz(adminKey(), quizId).then(
      async () => {
        say($('#action-status'), 'The quiz is over: the big screen shows the podium.', 'ok');
        await refreshStates();
        renderQuestions();
        renderPlayers();
      },
      (err: unknown) => say($('#action-status'), `Could not close the quiz: ${messageOf(err)}`, 'error'),
    );
  });
  $('#next-question').addEventListener('click', () => {
    const next = questions.find((q) => q.state === 'pending');
    if (next) void runAction(next, 'open');
  });
  $('#close-question').addEventListener('click', () => {
    const open = questions.find((q) => q.state === 'open');
    if (open) void runAction(open, 'close');
  });
  $('#download-results').addEventListener('click', () => void download('results.csv'));
  $('#download-questions').addEventListener('click', () => void download('questions.csv'));
  $('#print-standings').addEventListener('click', () => void printStandings());

  const existing = queryParam('quiz');
  if (existing) await load(existing);
}

main().catch((err: unknown) => {
  $('#fatal').textContent = `Something went wrong: ${(err as Error).message}`;
});
