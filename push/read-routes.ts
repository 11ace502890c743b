import { Router, type Response } from 'express';
import type { StandingsReads } from './standings-reads';

/** The headers of every read: a ready body, no ETag (nothing could match it twice, rankings change every few hundred ms). */
export const READ_HEADERS = { 'Cache-Control': 'no-store' } as const;

function send(res: Response, body: Buffer | string): void {
  res.setHeader('Cache-Control', READ_HEADERS['Cache-Control']);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', typeof body === 'string' ? Buffer.byteLength(body) : body.length);
  res.end(body);
}

/**
 * GET leaderboard and GET player standing through express: what lean-reads.ts leaves to it (HEAD,
 * paths the router matches more loosely) and every request when the lean path is off.
 */
export function readRoutes(reads: StandingsReads): Router {
  const router = Router();
  router.get('/v1/quizzes/:quizId/leaderboard', async (req, res) => {
    send(res, await reads.leaderboard({ quizId: req.params.quizId, limit: req.query.limit, offset: req.query.offset }));
  });
  router.get('/v1/quizzes/:quizId/players/:playerId', async (req, res) => {
    send(res, await reads.player({ quizId: req.params.quizId, playerId: req.params.playerId, around: req.query.around }));
  });
  return router;
}
