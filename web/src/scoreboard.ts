import type { LeaderboardEntryWire, SnapshotWire } from '../../common/messages/wire';
import { ApiError, IngestApi } from './lib/api';
import { loadPageConfig } from './lib/config';
import { $, h, queryParam, reducedMotion, show } from './lib/dom';
import { choicesOf } from './lib/answer';
import { acceptedText, isNewer, ordinal, topN } from './lib/display';
import { formatPin, parseJoinCode, playUrl } from './lib/join-code';
import { parseSnapshot } from './lib/messages';
import { qrSvg } from './lib/qr-svg';
import { remainingMs, type PublicQuestion, type PublicQuiz } from './lib/quiz';
import { answeredOf, answerHintOf, podiumOf, revealRowsOf, stageOf, type Stage } from './lib/stage';
import { openLiveStream, showStreamStatus } from './lib/stream';

// The big screen. The leaderboard SSE stream gives the board and, while a question is open, how
// many have answered it (`openQuestions`); ingest's public view of the quiz gives the stage: the
// lobby with the PIN and a QR code of the play URL, the open question with its countdown (a text
// question has no choices: "type your answer"), the reveal of the last closed one (the correct
// choices and the distribution, or a text question's accepted spellings and how many typed a
// right and a wrong answer, from ingest's reveal, which
// answers only once the processors released the close), and the podium once the quiz is over.
// The view is read again whenever the open questions change and every few seconds (a quiz closing
// with no question open moves no snapshot). Board rows are keyed by player and moved, not rebuilt,
// so a rank change slides (FLIP) and a score change flashes.

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;
const POLL_MS = 3_000;

interface Reveal {
  correct: string[];
  /** A text question's accepted spellings (empty for the other types). */
  accepted: string[];
  counts: Record<string, number>;
}

let api: IngestApi | undefined;
let quizId = '';
let quiz: PublicQuiz | undefined;
let shown: SnapshotWire | undefined;
let stage: Stage | undefined;
let openKey = '';
/** When this page first saw each question open: the countdown never shows more than its time limit from then. */
const seenOpen = new Map<string, number>();
const reveals = new Map<string, Reveal>();
const revealing = new Set<string>();
const rows = new Map<string, HTMLLIElement>();

function rowFor(entry: LeaderboardEntryWire): HTMLLIElement {
  let row = rows.get(entry.playerId);
  if (!row) {
    row = h('li', { class: 'row entering', attrs: { 'data-player-id': entry.playerId } }, [
      h('span', { class: 'rank' }),
      h('span', { class: 'name' }),
      h('span', { class: 'score' }),
    ]);
    rows.set(entry.playerId, row);
  }
  const [rank, name, score] = row.children as unknown as [HTMLElement, HTMLElement, HTMLElement];
  rank.textContent = String(entry.rank);
  name.textContent = entry.displayName;
  if (score.textContent !== '' && score.textContent !== String(entry.score)) {
    row.classList.remove('bumped');
    void row.offsetWidth; // restart the flash animation
    row.classList.add('bumped');
  }
  score.textContent = String(entry.score);
  row.dataset.rank = String(entry.rank);
  row.setAttribute('aria-label', `${entry.rank}. ${entry.displayName}, ${entry.score} points`);
  return row;
}

function renderBoard(board: HTMLOListElement, snapshot: SnapshotWire, limit: number): void {
  const animate = !reducedMotion();
  const before = new Map<string, number>();
  if (animate) for (const [id, row] of rows) before.set(id, row.getBoundingClientRect().top);

  const entries = topN(snapshot, limit);
  const keep = new Set(entries.map((e) => e.playerId));
  for (const [id, row] of rows) {
    if (!keep.has(id)) {
      row.remove();
      rows.delete(id);
    }
  }
  // Reorder by moving existing nodes: appending a node that is already in the list moves it.
  entries.forEach((entry) => board.append(rowFor(entry)));

  if (animate) {
    for (const [id, row] of rows) {
      const was = before.get(id);
      if (was === undefined) continue;
      const delta = was - row.getBoundingClientRect().top;
      if (Math.abs(delta) < 1) continue;
      row.style.transition = 'none';
      row.style.transform = `translateY(${delta}px)`;
      requestAnimationFrame(() => {
        row.style.transition = '';
        row.style.transform = '';
      });
    }
  }
  requestAnimationFrame(() => rows.forEach((r) => r.classList.remove('entering')));

  // For tests and tools, never shown: the update the board is at.
  board.dataset.seq = String(snapshot.seq);
  $('#players').textContent = String(snapshot.players);
  $('#answers').textContent = String(snapshot.answers);
  show($('#empty'), entries.length === 0);
  const leader = entries[0];
  $('#leader').textContent = leader ? `Leading: ${leader.displayName} with ${leader.score} points` : 'No players yet';
}

/** While a question is open, how many have answered it: from the snapshot's openQuestions. */
function renderAnswered(): void {
  const open = stage?.kind === 'question' ? stage.question.id : shown?.openQuestions.at(-1)?.questionId;
  const line = open === undefined ? undefined : answeredOf(shown, open);
  show($('#answered-stat'), line !== undefined);
  $('#answered').textContent = line ?? '';
}

function renderJoin(): void {
  const pin = quiz?.status === 'open' ? (quiz.pin ?? null) : null;
  const url = playUrl(window.location.href, quizId, pin);
  const short = new URL('play.html', window.location.href).href;
  show($('#join-line'), quiz?.status === 'open');
  $('#join-url').textContent = short;
  $('#lobby-url').textContent = short;
  $('#pin').textContent = pin ? formatPin(pin) : quizId;
  $('#lobby-pin').textContent = pin ? formatPin(pin) : quizId;
  for (const [selector, label] of [
    ['#lobby-qr', 'QR code of the play page with this game'],
    ['#header-qr', 'QR code to join'],
  ] as const) {
    const box = $(selector);
    if ((box.firstElementChild as SVGElement | null)?.dataset.text !== url) box.replaceChildren(qrSvg(url, label));
  }
  show($('#header-qr'), quiz?.status === 'open' && stage?.kind !== 'lobby');
}

function questionNumber(q: PublicQuestion): string {
  return `Question ${q.position + 1} of ${quiz?.questions.length ?? '?'}`;
}

function renderQuestion(q: PublicQuestion, reveal: Reveal | undefined): void {
  const view = $('#question-view');
  view.dataset.questionId = q.id;
  view.dataset.revealed = String(reveal !== undefined);
  $('#question-number').textContent = reveal || stage?.kind === 'reveal' ? `${questionNumber(q)} · the answer` : questionNumber(q);
  $('#prompt').textContent = q.prompt ?? '';
  view.dataset.type = q.type ?? 'choice';
  const text = q.type === 'text';
  const hint = answerHintOf(q);
  // A text question has nothing to pick: the hint stands in for the choices until the reveal.
  $('#answer-hint').textContent = text ? '' : hint;
  show($('#answer-hint'), !text && hint !== '' && !reveal);
  show($('#type-hint'), text && !reveal);
  $('#accepted').textContent = text && reveal ? acceptedText(reveal.accepted) : '';
  show($('#accepted'), text && reveal !== undefined);
  const list = $('#choices');
  list.className = `big-choices${q.type === 'truefalse' ? ' truefalse' : ''}`;
  if (!reveal) {
    list.replaceChildren(
      ...choicesOf({ type: q.type, choices: q.choices ?? [] }).map((c, i) =>
        h('li', { class: `big-choice c${i % 4}`, attrs: { 'data-choice-id': c.id } }, [h('span', { class: 'choice-text', text: c.text })]),
      ),
    );
  } else {
    const rows = revealRowsOf({ type: q.type, choices: choicesOf({ type: q.type, choices: q.choices ?? [] }) }, reveal);
    list.replaceChildren(
      ...rows.map((r, i) => {
        // A typed answer's two rows are right and wrong, coloured as such; choices keep their colours.
        const colour = text ? `text-count ${r.right ? 'right' : 'wrong'}` : `c${i % 4}`;
        const li = h('li', { class: `big-choice ${colour} ${r.right ? 'correct' : 'incorrect'}`, attrs: { [text ? 'data-count' : 'data-choice-id']: r.id } }, [
          h('span', { class: 'choice-text', text: text ? r.text : `${r.right ? '✓ ' : ''}${r.text}` }),
        ]);
        const bar = h('span', { class: 'share', attrs: { 'aria-hidden': 'true' } });
        bar.style.width = `${r.share}%`;
        li.append(bar, h('span', { class: 'count', text: String(r.count) }));
        li.setAttribute('aria-label', `${r.text}${r.right && !text ? ', correct' : ''}: ${r.count} ${r.count === 1 ? 'answer' : 'answers'}`);
        return li;
      }),
    );
  }
  show($('#countdown-row'), stage?.kind === 'question');
  $('#reveal-status').textContent = stage?.kind === 'reveal' && !reveal ? 'Counting the answers…' : '';
  tick();
}

function renderPodium(): void {
  const places = podiumOf(shown);
  $('#podium-places').replaceChildren(
    ...places.map((e) =>
      h('li', { class: `place place-${e.rank <= 3 ? e.rank : 3}`, attrs: { 'data-rank': String(e.rank), 'data-player-id': e.playerId } }, [
        h('span', { class: 'place-rank', text: ordinal(e.rank) }),
        h('span', { class: 'place-name', text: e.displayName }),
        h('span', { class: 'place-score', text: `${e.score} points` }),
      ]),
    ),
  );
}

function render(): void {
  const live = $('#live');
  live.dataset.stage = stage?.kind ?? '';
  show($('#lobby'), stage?.kind === 'lobby');
  show($('#question-view'), stage?.kind === 'question' || stage?.kind === 'reveal');
  show($('#podium'), stage?.kind === 'podium');
  if (quiz) renderJoin();
  if (stage?.kind === 'lobby') {
    const n = shown?.players ?? 0;
    $('#lobby-count').textContent = n === 1 ? '1 player has joined' : `${n} players have joined`;
  }
  if (stage?.kind === 'question') renderQuestion(stage.question, undefined);
  if (stage?.kind === 'reveal') renderQuestion(stage.question, reveals.get(stage.question.id));
  if (stage?.kind === 'podium') renderPodium();
  renderAnswered();
}

function tick(): void {
  if (stage?.kind !== 'question') return;
  const q = stage.question;
  const left = remainingMs({ closesAt: q.closesAt ?? undefined, timeLimitMs: q.timeLimitMs }, Date.now(), seenOpen.get(q.id) ?? Date.now());
  const bar = $('#countdown') as HTMLProgressElement;
  bar.max = Math.max(1, q.timeLimitMs);
  bar.value = left;
  $('#seconds').textContent = `${Math.ceil(left / 1000)}`;
}

/** The reveal is ready once the processors released the close; until then ingest says results_pending. */
async function loadReveal(questionId: string): Promise<void> {
  if (!api || reveals.has(questionId) || revealing.has(questionId)) return;
  revealing.add(questionId);
  try {
    for (let attempt = 0; attempt < 30 && !reveals.has(questionId); attempt++) {
      try {
        const r = await api.reveal(quizId, questionId);
        reveals.set(questionId, { correct: r.correct, accepted: r.accepted ?? [], counts: r.counts });
      } catch (err) {
        if (!(err instanceof ApiError && (err.status === 0 || err.status === 429 || err.status === 503))) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    revealing.delete(questionId);
  }
  render();
}

async function refreshQuiz(): Promise<void> {
  if (!api) return;
  quiz = await api.quiz(quizId);
  $('#title').textContent = quiz.title;
  document.title = `${quiz.title} · quizstream`;
  stage = stageOf(quiz);
  if (stage.kind === 'question' && !seenOpen.has(stage.question.id)) seenOpen.set(stage.question.id, Date.now());
  render();
  if (stage.kind === 'reveal') await loadReveal(stage.question.id);
}

function refreshSoon(): void {
  refreshQuiz().catch((err: unknown) => console.warn('quiz view unavailable', err));
}

async function resolveQuizId(): Promise<string | undefined> {
  const byId = queryParam('quiz');
  const byPin = queryParam('pin');
  const code = parseJoinCode(byPin ?? byId ?? '');
  if (!code) return undefined;
  if ('quizId' in code) return code.quizId;
  const config = await loadPageConfig();
  return (await new IngestApi(config.ingestUrl).pin(code.pin)).quizId;
}

async function main(): Promise<void> {
  const resolved = await resolveQuizId();
  if (!resolved) {
    show($('#pick'), true);
    return;
  }
  quizId = resolved;
  const limitParam = Number(queryParam('limit') ?? DEFAULT_LIMIT);
  const limit = Number.isInteger(limitParam) && limitParam > 0 ? Math.min(limitParam, MAX_LIMIT) : DEFAULT_LIMIT;
  show($('#live'), true);
  $('#title').textContent = `Quiz ${quizId}`;
  document.title = `Scoreboard · ${quizId}`;
  const board = $('#board') as HTMLOListElement;

  // Only the rows shown: push serializes a top-N frame once for every screen that asks for N.
  openLiveStream(
    `v1/quizzes/${encodeURIComponent(quizId)}/leaderboard/stream?limit=${limit}`,
    {
      snapshot: (data) => {
        const snapshot = parseSnapshot(data);
        // An older ranking after a newer one would make rows jump back: ids only grow, keep the newest.
        if (!snapshot || !isNewer(snapshot, shown)) return;
        shown = snapshot;
        renderBoard(board, snapshot, limit);
        // A question opened or closed (the processors applied it): the stage moves on.
        const key = snapshot.openQuestions.map((q) => q.questionId).join(',');
        if (key !== openKey) {
          openKey = key;
          refreshSoon();
        }
        render();
      },
    },
    (s) => showStreamStatus($('#conn'), s),
  );

  // The stages need ingest; without it the board still works.
  try {
    api = new IngestApi((await loadPageConfig()).ingestUrl);
    await refreshQuiz();
  } catch (err) {
    console.warn('quiz view unavailable', err);
  }
  window.setInterval(tick, 250);
  // A closed quiz stays closed: the podium needs only the snapshots from then on.
  const poll = window.setInterval(() => {
    if (quiz?.status === 'closed') window.clearInterval(poll);
    else refreshSoon();
  }, POLL_MS);
}

main().catch((err: unknown) => {
  $('#fatal').textContent = `Something went wrong: ${(err as Error).message}`;
});
