import { NotFoundError } from '../common/errors';
import { playerStandingJson, standingsPageJson, type StandingsPageWire } from '../common/messages/wire';
import type { LeaderboardReader } from './leaderboard-reader';
import type { ReadLimits } from './options';
import { aroundParam, idParam, limitParam, offsetParam } from './params';
import type { ServedSnapshot } from './served-snapshots';

/**
 * The headers of every read beside its JSON: the body is ready as it is, with no ETag (nothing
 * could match it twice, rankings change every few hundred ms).
 */
export const READ_HEADERS = { 'Cache-Control': 'no-store' };

/** Raw route and query values, as express's req.params and req.query hold them. */
export interface LeaderboardRead {
  quizId: unknown;
  limit: unknown;
  offset: unknown;
}

export interface PlayerRead {
  quizId: unknown;
  playerId: unknown;
  around: unknown;
}

function noLeaderboard(quizId: string): NotFoundError {
  return new NotFoundError(`quiz ${quizId} has no leaderboard yet (unknown quiz, or nothing processed for it so far)`, 'leaderboard_not_found');
}

/**
 * A page inside the snapshot's entries comes from the snapshot (what the board shows); past them,
 * from the sorted set. A snapshot that lists everyone on its board covers every page.
 */
function pageFromSnapshot(served: ServedSnapshot, offset: number, limit: number): StandingsPageWire | undefined {
  const { snapshot } = served;
  if (offset + limit > snapshot.entries.length && snapshot.entries.length < snapshot.players) return undefined;
  return { quizId: snapshot.quizId, players: snapshot.players, offset, entries: snapshot.entries.slice(offset, offset + limit) };
}

/**
 * The bodies of GET leaderboard (the snapshot, or a page of the full standings) and GET player
 * standing, from the raw parameters: one answer for both ways a read is served (read-routes.ts
 * through express, lean-reads.ts on node:http). Throws the 400s and 404s the contract names.
 */
export class StandingsReads {
  constructor(
    private readonly store: LeaderboardReader,
    private readonly limits: ReadLimits,
  ) {}

  /** The stored snapshot bytes as they are, or a serialized page. */
  async leaderboard(r: LeaderboardRead): Promise<Buffer | string> {
    const quizId = idParam(r.quizId, 'quizId');
    const limit = limitParam(r.limit, this.limits.leaderboardMaxLimit);
    const offset = offsetParam(r.offset);
    const served = await this.store.snapshot(quizId);
    if (offset === undefined) {
      if (!served) throw noLeaderboard(quizId);
      return served.bodyFor(limit);
    }
    const pageSize = limit ?? this.limits.standingsPageSize;
    const page = (served && pageFromSnapshot(served, offset, pageSize)) ?? (await this.store.page(quizId, offset, pageSize));
    if (!page) throw noLeaderboard(quizId);
    return standingsPageJson(page);
  }

  async player(r: PlayerRead): Promise<string> {
    const quizId = idParam(r.quizId, 'quizId');
    const playerId = idParam(r.playerId, 'playerId');
    const around = aroundParam(r.around, this.limits.playerAroundMax);
    const standing = await this.store.player(quizId, playerId, around);
    if (!standing) throw new NotFoundError(`player ${playerId} is not on the leaderboard of quiz ${quizId}`, 'player_not_found');
    return playerStandingJson(standing);
  }
}
