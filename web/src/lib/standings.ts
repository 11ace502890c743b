import type { LeaderboardEntryWire, PlayerStandingWire, StandingsPageWire } from '../../../common/messages/wire';

// The full standings as the pages use them: the host's printout reads every page, and a player
// outside the board's top N sees the players around them. No DOM here, so unit tests run it in Node.

/** The board shows the snapshot's top N (SNAPSHOT_TOP_N, 100 by default): a player below it sees their neighbourhood. */
export const BOARD_TOP_N = 100;

/** Ranks above and below a player that the play page asks for (`?around=`). */
export const NEIGHBOURS = 2;

/** Entries per request while reading every page (push's PUSH_LEADERBOARD_MAX_LIMIT default). */
export const PAGE_SIZE = 1000;

/**
 * Reads the whole board page by page, from rank 1 until a page comes back empty or the board's
 * size (`players`, as the first page said) is reached.
 */
export async function readAllStandings(page: (offset: number, limit: number) => Promise<StandingsPageWire>): Promise<LeaderboardEntryWire[]> {
  const all: LeaderboardEntryWire[] = [];
  let players = Infinity;
  while (all.length < players) {
    const next = await page(all.length, PAGE_SIZE);
    players = Math.min(players, next.players);
    if (next.entries.length === 0) break;
    all.push(...next.entries);
  }
  return all;
}

/** The rows the play page lists around the player, or none while the player is on the board's top N. */
export function neighbourhood(standing: PlayerStandingWire, topN = BOARD_TOP_N): Array<LeaderboardEntryWire & { me: boolean }> {
  if (standing.rank <= topN || !standing.around) return [];
  return standing.around.map((e) => ({ ...e, me: e.playerId === standing.playerId }));
}
