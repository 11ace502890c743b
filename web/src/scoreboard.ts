import type { LeaderboardEntryWire, SnapshotWire } from '../../common/messages/wire';
import { IngestApi } from './lib/api';
import { loadPageConfig } from './lib/config';
import { $, h, queryParam, reducedMotion, show } from './lib/dom';
import { answeredLine, isNewer, topN } from './lib/display';
import { parseSnapshot } from './lib/messages';
import { openLiveStream, showStreamStatus } from './lib/stream';

// The spectators' page: the live top N of one quiz from the leaderboard SSE stream. Rows are keyed
// by player and moved, not rebuilt, so a rank change slides (FLIP: measure, reorder, animate the
// difference) and a score change flashes. While a question is open it shows how many have answered
// it; in an onClose quiz the scores then move only when the question closes.

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;

let shown: SnapshotWire | undefined;
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

function render(board: HTMLOListElement, snapshot: SnapshotWire, limit: number): void {
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

  $('#players').textContent = String(snapshot.players);
  $('#answers').textContent = String(snapshot.answers);
  const answered = answeredLine(snapshot);
  show($('#answered-stat'), answered !== undefined);
  $('#answered').textContent = answered ?? '';
  $('#seq').textContent = String(snapshot.seq);
  show($('#empty'), entries.length === 0);
  const leader = entries[0];
  $('#leader').textContent = leader ? `Leading: ${leader.displayName} with ${leader.score} points` : 'No players yet';
}

async function main(): Promise<void> {
  const quizId = queryParam('quiz');
  if (!quizId) {
    show($('#pick'), true);
    return;
  }
  const limitParam = Number(queryParam('limit') ?? DEFAULT_LIMIT);
  const limit = Number.isInteger(limitParam) && limitParam > 0 ? Math.min(limitParam, MAX_LIMIT) : DEFAULT_LIMIT;
  show($('#live'), true);
  $('#quiz-id').textContent = quizId;
  document.title = `Scoreboard · ${quizId}`;
  const board = $('#board') as HTMLOListElement;
  const status = $('#conn');

  openLiveStream(
    `v1/quizzes/${encodeURIComponent(quizId)}/leaderboard/stream`,
    {
      snapshot: (data) => {
        const snapshot = parseSnapshot(data);
        // An older ranking after a newer one would make rows jump back: ids only grow, keep the newest.
        if (!snapshot || !isNewer(snapshot, shown)) return;
        shown = snapshot;
        render(board, snapshot, limit);
      },
    },
    (s) => showStreamStatus(status, s),
  );

  // The title is a nicety: the board works without it.
  try {
    const config = await loadPageConfig();
    const quiz = await new IngestApi(config.ingestUrl).quiz(quizId);
    $('#title').textContent = quiz.title;
  } catch (err) {
    $('#title').textContent = `Quiz ${quizId}`;
    console.warn('quiz title unavailable', err);
  }
}

main().catch((err: unknown) => {
  $('#fatal').textContent = `Something went wrong: ${(err as Error).message}`;
});
