import { Router, type Response } from 'express';
import { NotFoundError } from '../common/errors';
import { playerStandingJson, standingsPageJson, type StandingsPageWire } from '../common/messages/wire';
import type { LeaderboardReader } from './leaderboard-reader';
import type { ReadLimits } from './options';
import { aroundParam, idParam, limitParam, offsetParam } from './params';
import type { ServedSnapshot } from './served-snapshots';

/**
 * Writes a JSON body that is ready as it is: no ETag (nothing could match it twice, rankings change
 * every few hundred ms) and no re-serialization, which res.json would both do on every request.
 */
function sendJson(res: Response, body: Buffer | string): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', typeof body === 'string' ? Buffer.byteLength(body) : body.length);
  res.end(body);
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

/** GET leaderboard (the snapshot, or a page of the full standings) and GET player standing. */
export function readRoutes(store: LeaderboardReader, limits: ReadLimits): Router {
  const router = Router();

  router.get('/v1/quizzes/:quizId/leaderboard', async (req, res) => {
    const quizId = idParam(req, 'quizId');
    const limit = limitParam(req, limits.leaderboardMaxLimit);
    const offset = offsetParam(req);
    const served = await store.snapshot(quizId);
    if (offset === undefined) {
      if (!served) throw noLeaderboard(quizId);
      sendJson(res, served.bodyFor(limit));
      return;
    }
    const pageSize = limit ?? limits.standingsPageSize;
    const page = (served && pageFromSnapshot(served, offset, pageSize)) ?? (await store.page(quizId, offset, pageSize));
    if (!page) throw noLeaderboard(quizId);
    sendJson(res, standingsPageJson(page));
  });

  router.get('/v1/quizzes/:quizId/players/:playerId', async (req, res) => {
    const quizId = idParam(req, 'quizId');
    const playerId = idParam(req, 'playerId');
    const around = aroundParam(req, limits.playerAroundMax);
    const standing = await store.player(quizId, playerId, around);
    if (!standing) throw new NotFoundError(`player ${playerId} is not on the leaderboard of quiz ${quizId}`, 'player_not_found');
    sendJson(res, playerStandingJson(standing));
  });

  return router;
}
