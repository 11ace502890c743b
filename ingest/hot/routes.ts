import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { RateLimitedError, UnauthorizedError } from '../../common/errors';
import type { HttpObserver } from '../../common/http-metrics';
import { requestIdFrom } from '../../common/ids';
import type { Logger } from '../../common/logger';
import { bearerToken, bearerTokenSource, type PlayerIdentity, type TokenVerifier } from '../../common/tokens';
import { answerRefusals, type Answers } from '../answers';
import type { Joins } from '../joins';
import { joinSchema, parseAnswerBody, parseBody, parseId } from '../validation';
import type { RequestGate } from './request-gate';
import { decodedSegment, peerAddress, sendError, sendJson, type ProxyTrustFn } from '../../common/lean-http';
import { leanBody, readJsonBody } from './lean-http';
import type { QuizDefinitions } from './quiz-definitions';

// The two routes every player hits in bursts (an answer per question, a join when the game
// starts), served on node:http before express sees the request: no router, no middleware chain,
// one Redis script per request, the question definitions and verified tokens from memory. They
// answer exactly as the express routes do (the same checks in the same order, the same statuses,
// codes and headers that clients read); express keeps every other route, and these two as well
// for a request the lean path does not read the way express would (routes.ts dispatch below).

const ANSWER_ROUTE = '/v1/quizzes/:quizId/answers';
const JOIN_ROUTE = '/v1/quizzes/:quizId/players';
const HOT_PATH = /^\/v1\/quizzes\/([^/?#]+)\/(answers|players)(?:\?.*)?$/;

export interface HotRouteDeps {
  gate: RequestGate;
  definitions: QuizDefinitions;
  answers: Answers;
  joins: Joins;
  verifier: TokenVerifier;
  /** express's compiled "trust proxy" setting, so the per-address limit counts the same address; undefined when no proxy is trusted. */
  trustProxy: ProxyTrustFn | undefined;
  cors: (req: IncomingMessage, res: ServerResponse) => boolean;
  bodyLimitBytes: number;
  observe: HttpObserver;
  log: Logger;
}

/** What was found wrong before the player's own limit could be counted, in express's order. */
interface Prelude {
  address: string;
  body: unknown;
  player?: PlayerIdentity;
  early?: unknown;
}

export class HotRoutes {
  constructor(private readonly d: HotRouteDeps) {}

  /** Serves the hot routes; everything else (and whatever they leave) goes to `fallback`. */
  listener(fallback: RequestListener): RequestListener {
    return (req, res) => {
      const match = req.method === 'POST' ? HOT_PATH.exec(req.url ?? '') : null;
      const quizId = match ? decodedSegment(match[1]!) : undefined;
      if (!match || quizId === undefined || !leanBody(req)) {
        fallback(req, res);
        return;
      }
      void (match[2] === 'answers' ? this.answer(req, res, quizId) : this.join(req, res, quizId));
    };
  }

  private async answer(req: IncomingMessage, res: ServerResponse, rawQuizId: string): Promise<void> {
    // Stamped on arrival: nothing we wait for from here on costs the player points.
    const acceptedAt = Date.now();
    const started = process.hrtime.bigint();
    let status: number;
    try {
      const { address, body, player } = await this.prelude(req, res);
      let quizId: string;
      let input;
      try {
        quizId = parseId(rawQuizId, 'quizId');
        input = parseAnswerBody(body);
      } catch (err) {
        throw await this.afterLimits(address, player, err);
      }
      const quiz = await this.d.definitions.get(quizId);
      const question = quiz?.questions.get(input.questionId);
      if (!quiz || !question) {
        throw await this.afterLimits(address, player, quiz ? answerRefusals.questionNotFound(quizId, input.questionId) : answerRefusals.quizNotFound(quizId));
      }
      const badAnswer = answerRefusals.badAnswer(question, input);
      const answerId = input.answerId ?? randomUUID();
      const verdict = await this.d.gate.pass({
        scope: 'full',
        address,
        playerId: player.playerId,
        quizId,
        questionId: input.questionId,
        answerId,
        at: acceptedAt,
        answerFits: badAnswer === undefined,
      });
      let result;
      switch (verdict.kind) {
        case 'limited':
          throw new RateLimitedError(verdict.retryAfterSeconds);
        case 'uncached':
        case 'passed':
          result = await this.d.answers.submit(quizId, player, { ...input, answerId }, acceptedAt);
          break;
        case 'quiz_not_found':
          throw answerRefusals.quizNotFound(quizId);
        case 'quiz_closed':
          throw answerRefusals.quizClosed(quizId);
        case 'kicked':
          throw answerRefusals.kicked(quizId);
        case 'not_open':
          throw answerRefusals.notOpen(input.questionId, verdict.state, acceptedAt);
        case 'bad_answer':
          throw badAnswer!;
        case 'claim':
          result = await this.d.answers.afterClaim(verdict.result, input, answerId, acceptedAt, quiz.closeWhenAllAnswered);
      }
      // 202 in both cases: the answer is durably in Kafka, scoring happens downstream.
      sendJson(res, 202, { answerId: result.answerId });
      status = 202;
    } catch (err) {
      status = sendError(res, err, this.d.log);
    }
    this.done(req, res, ANSWER_ROUTE, status, started);
  }

  private async join(req: IncomingMessage, res: ServerResponse, rawQuizId: string): Promise<void> {
    const started = process.hrtime.bigint();
    let status: number;
    try {
      const { address, body, player } = await this.prelude(req, res);
      const verdict = await this.d.gate.pass({ scope: 'limits', address, playerId: player.playerId });
      if (verdict.kind === 'limited') throw new RateLimitedError(verdict.retryAfterSeconds);
      const quizId = parseId(rawQuizId, 'quizId');
      // An empty body is fine here: the token's name claim may supply the display name.
      const { displayName } = parseBody(joinSchema, body ?? {}, 'join body');
      const { created, body: reply } = await this.d.joins.join(quizId, player, displayName);
      status = created ? 201 : 200;
      sendJson(res, status, reply);
    } catch (err) {
      status = sendError(res, err, this.d.log);
    }
    this.done(req, res, JOIN_ROUTE, status, started);
  }

  /**
   * What express does before a player route's handler: request id and CORS headers, the body
   * (413, 400), the token (401, 503); a failure there is answered after the address's limit is
   * counted, and a 429 wins over it, as the express limiter in front would have answered first.
   */
  private async prelude(req: IncomingMessage, res: ServerResponse): Promise<Prelude & { player: PlayerIdentity }> {
    res.setHeader('x-request-id', requestIdFrom(req.headers['x-request-id']));
    this.d.cors(req, res);
    const address = peerAddress(req, this.d.trustProxy);
    const read = await readJsonBody(req, this.d.bodyLimitBytes);
    if (!read.ok) throw await this.afterAddressLimit(address, read.error);
    const token = bearerToken(req.headers.authorization);
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw await this.afterAddressLimit(address, new UnauthorizedError(bearerTokenSource.missingMessage));
    }
    try {
      return { address, body: read.body, player: await this.d.verifier.verify(token) };
    } catch (err) {
      if (err instanceof UnauthorizedError) res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw await this.afterAddressLimit(address, err);
    }
  }

  private async afterAddressLimit(address: string, err: unknown): Promise<unknown> {
    const verdict = await this.d.gate.pass({ scope: 'ip', address });
    return verdict.kind === 'limited' ? new RateLimitedError(verdict.retryAfterSeconds) : err;
  }

  private async afterLimits(address: string, player: PlayerIdentity, err: unknown): Promise<unknown> {
    const verdict = await this.d.gate.pass({ scope: 'limits', address, playerId: player.playerId });
    return verdict.kind === 'limited' ? new RateLimitedError(verdict.retryAfterSeconds) : err;
  }

  private done(req: IncomingMessage, res: ServerResponse, route: string, status: number, started: bigint): void {
    this.d.observe('POST', route, status, started);
    // Per request only at debug: at thousands of answers a second an info line each is most of the
    // work. The line has the shape of express's (app.ts requestLogger), without the query string.
    if (this.d.log.isLevelEnabled('debug')) {
      this.d.log.debug(
        {
          req: { id: res.getHeader('x-request-id'), method: 'POST', path: (req.url ?? '').split('?')[0], remoteAddress: req.socket.remoteAddress },
          res: { statusCode: status },
          responseTime: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request completed',
      );
    }
  }
}
