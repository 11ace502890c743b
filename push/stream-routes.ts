import type { Request, Response } from 'express';
import { Router } from 'express';
import type { Logger } from '../common/logger';
import { playerOf, requirePlayer, type TokenVerifier } from '../ingest/auth';
import type { StreamHub } from './hub';
import type { LeaderboardStore } from './leaderboard-store';
import { idParam } from './params';
import { streamTokenSource } from './player-auth';
import { SSE_HEADERS, parseLastEventId } from './sse-frames';

/** Sends the SSE head at once, so the client (and any proxy) sees the stream is open before any event. */
function openStream(req: Request, res: Response): void {
  req.socket.setTimeout(0); // streams are long-lived by design; heartbeats keep them alive
  req.socket.setNoDelay(true); // events are small and latency matters more than packet count
  res.writeHead(200, SSE_HEADERS);
  res.flushHeaders();
}

export function streamRoutes(hub: StreamHub, store: LeaderboardStore, verifier: TokenVerifier, log: Logger): Router {
  const router = Router();

  router.get('/v1/quizzes/:quizId/leaderboard/stream', async (req, res) => {
    const quizId = idParam(req, 'quizId');
    const lastSeq = parseLastEventId(req.header('last-event-id'), req.query.lastEventId);
    hub.ensureCapacity('leaderboard');
    openStream(req, res);
    // Join the quiz's viewers before reading Redis: a snapshot that arrives meanwhile reaches this
    // viewer, and the viewer refuses whichever of the two turns out older.
    const viewer = hub.connectLeaderboard(quizId, res, lastSeq ?? -1);
    let stored;
    try {
      stored = await store.snapshot(quizId);
    } catch (err) {
      // The head is sent; the stream stays open and gets the next snapshot from Kafka. Closing it
      // would only make the client reconnect into the same outage.
      log.warn({ err, quizId }, 'push: cannot read the initial snapshot; the viewer waits for the next one');
    }
    hub.sendInitialSnapshot(quizId, viewer, stored);
  });

  router.get('/v1/quizzes/:quizId/me/stream', requirePlayer(verifier, streamTokenSource), (req, res) => {
    const quizId = idParam(req, 'quizId');
    const { playerId } = playerOf(res);
    hub.ensureCapacity('personal');
    openStream(req, res);
    hub.connectPersonal(quizId, playerId, res);
  });

  return router;
}
