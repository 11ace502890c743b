import type { Request, Response } from 'express';
import { Router } from 'express';
import { NotFoundError } from '../common/errors';
import type { Logger } from '../common/logger';
import { playerOf, requirePlayer, type TokenVerifier } from '../common/tokens';
import type { StreamHub } from './hub';
import type { LeaderboardReader } from './leaderboard-reader';
import { idParam, limitParam } from './params';
import { streamTokenSource } from './player-auth';
import type { QuizDirectory } from './quiz-directory';
import { ALL_ENTRIES } from './snapshot-edition';
import { SSE_HEADERS, eventFrame, parseLastEventId, sseFrame } from './sse-frames';
import type { StreamAdmission } from './stream-admission';
import type { SseSink, Viewer } from './viewer';

// setTimeout fires at once for delays past 2^31 - 1 ms (about 24.8 days); longer waits are chained.
const MAX_TIMER_MS = 2 ** 31 - 1;

const tokenExpiredFrame = sseFrame(
  'token-expired',
  eventFrame({ event: 'token-expired', data: JSON.stringify({ error: { code: 'token_expired', message: 'the token this stream was opened with has expired; reconnect with a new one' } }) }),
);

/**
 * A personal stream lives no longer than the token it was opened with: at `expiresAt` the viewer
 * gets a `token-expired` event and the stream ends (a reconnect with the same token is a 401).
 */
function endAtExpiry(viewer: Viewer, expiresAt: number, res: Response): void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const left = expiresAt - Date.now();
    if (left <= 0) viewer.close(tokenExpiredFrame);
    else timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
  };
  arm();
  res.on('close', () => clearTimeout(timer));
}

/**
 * Sends the SSE head at once, so the client (and any proxy) sees the stream is open before any
 * event, and returns what the viewer writes to: the socket itself. Every frame is already framed
 * for the response (an HTTP/1.1 chunk, or bare for HTTP/1.0), so one frame is one socket.write of
 * one shared buffer; res.write would frame it again per viewer (size line, body, CRLF in a corked
 * writev). The response still ends the stream (res.end() writes the last chunk).
 */
function openStream(req: Request, res: Response): SseSink {
  const socket = req.socket;
  socket.setTimeout(0); // streams are long-lived by design; heartbeats keep them alive
  socket.setNoDelay(true); // events are small and latency matters more than packet count
  res.writeHead(200, SSE_HEADERS);
  res.flushHeaders();
  // A HEAD request (express routes it here too) gets the head only: a body would corrupt the connection.
  const bodyless = req.method === 'HEAD';
  return {
    chunked: res.chunkedEncoding,
    // A socket the peer closed is skipped until its 'close' removes the viewer: writing to it would
    // build an error with a stack trace per viewer per broadcast.
    write: (chunk) => bodyless || socket.destroyed || socket.write(chunk),
    get writableLength() {
      return res.writableLength;
    },
    get destroyed() {
      return socket.destroyed;
    },
    end: () => res.end(),
    destroy: () => socket.destroy(),
    on(event, listener) {
      if (event === 'drain') socket.on('drain', listener);
      else res.on('close', listener);
    },
  };
}

export interface StreamRouteDeps {
  hub: StreamHub;
  /** The largest ?limit a stream may ask for. */
  maxLimit: number;
  store: LeaderboardReader;
  quizzes: QuizDirectory;
  admission: StreamAdmission;
  verifier: TokenVerifier;
  log: Logger;
}

async function requireQuiz(quizzes: QuizDirectory, quizId: string): Promise<void> {
  if (!(await quizzes.exists(quizId))) throw new NotFoundError(`quiz ${quizId} does not exist`, 'quiz_not_found');
}

export function streamRoutes({ hub, maxLimit, store, quizzes, admission, verifier, log }: StreamRouteDeps): Router {
  const router = Router();

  router.get('/v1/quizzes/:quizId/leaderboard/stream', async (req, res) => {
    const quizId = idParam(req.params.quizId, 'quizId');
    const lastSeq = parseLastEventId(req.header('last-event-id'), req.query.lastEventId);
    // A big screen showing the top 10 asks for 10: its viewers share a frame a tenth the size.
    const limit = limitParam(req.query.limit, maxLimit) ?? ALL_ENTRIES;
    await requireQuiz(quizzes, quizId);
    // From here to connect in one synchronous turn, so no other stream takes the slot in between.
    hub.ensureCapacity('leaderboard');
    admission.admit(req, res);
    const sink = openStream(req, res);
    // Join the quiz's viewers before reading Redis: a snapshot that arrives meanwhile reaches this
    // viewer, and the viewer refuses whichever of the two turns out older.
    const viewer = hub.connectLeaderboard(quizId, sink, lastSeq ?? -1, limit);
    let stored;
    try {
      // An instance that already holds the quiz's latest snapshot (others watch it here) skips
      // Redis: anything newer reaches this viewer from Kafka, as it joined first. A crowd joining
      // at once then costs no Redis read or parse per viewer.
      if (!hub.leaderboard.latest(quizId)) stored = await store.snapshot(quizId);
    } catch (err) {
      // The head is sent; the stream stays open and gets the next snapshot from Kafka. Closing it
      // would only make the client reconnect into the same outage.
      log.warn({ err, quizId }, 'push: cannot read the initial snapshot; the viewer waits for the next one');
    }
    hub.sendInitialSnapshot(quizId, viewer, stored, limit);
  });

  router.get('/v1/quizzes/:quizId/me/stream', requirePlayer(verifier, streamTokenSource), async (req, res) => {
    const quizId = idParam(req.params.quizId, 'quizId');
    const { playerId, expiresAt } = playerOf(res);
    await requireQuiz(quizzes, quizId);
    hub.ensureCapacity('personal');
    admission.admit(req, res);
    const viewer = hub.connectPersonal(quizId, playerId, openStream(req, res));
    if (expiresAt !== undefined) endAtExpiry(viewer, expiresAt, res);
  });

  return router;
}
