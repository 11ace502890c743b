import { Router } from 'express';
import { NotFoundError } from '../common/errors';
import type { LeaderboardReader } from './leaderboard-reader';
import { idParam, limitParam } from './params';
import { limitEntries } from './snapshot-wire';

/** GET leaderboard and GET player standing: plain JSON read from Redis on every request. */
export function readRoutes(store: LeaderboardReader, leaderboardMaxLimit: number): Router {
  const router = Router();

  router.get('/v1/quizzes/:quizId/leaderboard', async (req, res) => {
    const quizId = idParam(req, 'quizId');
    const limit = limitParam(req, leaderboardMaxLimit);
    const snapshot = await store.snapshot(quizId);
    if (!snapshot) {
      throw new NotFoundError(`quiz ${quizId} has no leaderboard yet (unknown quiz, or nothing processed for it so far)`, 'leaderboard_not_found');
    }
    // Rankings change every few hundred ms; a cached copy would be wrong almost at once.
    res.setHeader('Cache-Control', 'no-store');
    res.json(limitEntries(snapshot, limit));
  });

  router.get('/v1/quizzes/:quizId/players/:playerId', async (req, res) => {
    const quizId = idParam(req, 'quizId');
    const playerId = idParam(req, 'playerId');
    const standing = await store.player(quizId, playerId);
    if (!standing) throw new NotFoundError(`player ${playerId} is not on the leaderboard of quiz ${quizId}`, 'player_not_found');
    res.setHeader('Cache-Control', 'no-store');
    res.json(standing);
  });

  return router;
}
