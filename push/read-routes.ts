import { Router } from 'express';
import { sendJson } from '../common/lean-http';
import { READ_HEADERS, type StandingsReads } from './standings-reads';

/**
 * GET leaderboard and GET player standing through express: what lean-reads.ts leaves to it (HEAD,
 * paths the router matches more loosely) and every request when the lean path is off.
 */
export function readRoutes(reads: StandingsReads): Router {
  const router = Router();
  router.get('/v1/quizzes/:quizId/leaderboard', async (req, res) => {
    sendJson(res, 200, await reads.leaderboard({ quizId: req.params.quizId, limit: req.query.limit, offset: req.query.offset }), READ_HEADERS);
  });
  router.get('/v1/quizzes/:quizId/players/:playerId', async (req, res) => {
    sendJson(res, 200, await reads.player({ quizId: req.params.quizId, playerId: req.params.playerId, around: req.query.around }), READ_HEADERS);
  });
  return router;
}
