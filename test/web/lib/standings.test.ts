import type { StandingsPageWire } from '../../../common/messages/wire';
import { BOARD_TOP_N, PAGE_SIZE, neighbourhood, readAllStandings } from '../../../web/src/lib/standings';

const entry = (rank: number) => ({ rank, playerId: `p${rank}`, displayName: `P ${rank}`, score: 10_000 - rank });

/** A board of `players` served in pages, as push does; records each request. */
function board(players: number, servedPlayers = players) {
  const requests: Array<[number, number]> = [];
  const page = async (offset: number, limit: number): Promise<StandingsPageWire> => {
    requests.push([offset, limit]);
    const end = Math.min(servedPlayers, offset + limit);
    return { quizId: 'q', players, offset, entries: Array.from({ length: Math.max(0, end - offset) }, (_, i) => entry(offset + i + 1)) };
  };
  return { page, requests };
}

describe('readAllStandings', () => {
  test('reads page after page until the board is complete', async () => {
    const b = board(2_345);
    const all = await readAllStandings(b.page);
    expect(all.map((e) => e.rank)).toEqual(Array.from({ length: 2_345 }, (_, i) => i + 1));
    expect(b.requests).toEqual([
      [0, PAGE_SIZE],
      [PAGE_SIZE, PAGE_SIZE],
      [2 * PAGE_SIZE, PAGE_SIZE],
    ]);
  });

  test('stops at an empty page (players left the board meanwhile), and reads one page for an empty board', async () => {
    const shrunk = board(1_500, 1_200);
    expect(await readAllStandings(shrunk.page)).toHaveLength(1_200);
    expect(shrunk.requests).toEqual([
      [0, PAGE_SIZE],
      [PAGE_SIZE, PAGE_SIZE],
      [1_200, PAGE_SIZE],
    ]);
    const empty = board(0);
    expect(await readAllStandings(empty.page)).toEqual([]);
    expect(empty.requests).toHaveLength(1);
  });
});

describe('neighbourhood', () => {
  const around = [entry(148), entry(149), entry(150), entry(151), entry(152)];
  test('below the top N: the rows around the player, the player marked', () => {
    const rows = neighbourhood({ playerId: 'p150', displayName: 'P 150', score: 9_850, rank: 150, around });
    expect(rows.map((r) => [r.rank, r.me])).toEqual([
      [148, false],
      [149, false],
      [150, true],
      [151, false],
      [152, false],
    ]);
  });

  test('on the board (top N) or without around: nothing', () => {
    expect(neighbourhood({ playerId: 'p1', displayName: 'P 1', score: 9_999, rank: BOARD_TOP_N, around })).toEqual([]);
    expect(neighbourhood({ playerId: 'p150', displayName: 'P 150', score: 9_850, rank: 150 })).toEqual([]);
  });
});
