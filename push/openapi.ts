// The v1 contract of push's reads and streams as OpenAPI 3.0, served at /openapi.json (the web
// pages push also serves are not part of it). Written by hand so it says what we promise;
// test/push/openapi.int.test.ts keeps it and the app equal (every route, and every status of the
// reads in both directions).

import { errorResponse, idParam, json, ok, ref, response, retryAfter, sharedSchemas, v1Get, type Json } from '../common/openapi';
import { OFFSET_MAX } from './params';
import type { ReadLimits } from './options';

const quizIdParam = idParam('quizId', 'Quiz id');

function queryInt(name: string, description: string, minimum: number, maximum: number, extra: Json = {}): Json {
  return { name, in: 'query', required: false, description, schema: { type: 'integer', minimum, maximum, ...extra } };
}

const entry: Json = {
  type: 'object',
  required: ['rank', 'playerId', 'displayName', 'score'],
  properties: {
    rank: { type: 'integer', minimum: 1, description: 'Position on the board: ties (equal score) are ordered by who reached the score first, for 0 points who joined first' },
    playerId: ref('Id'),
    displayName: { type: 'string' },
    score: { type: 'integer' },
  },
};

const schemas: Record<string, Json> = {
  ...sharedSchemas,
  LeaderboardEntry: entry,
  Snapshot: {
    type: 'object',
    required: ['quizId', 'seq', 'players', 'answers', 'openQuestions', 'entries'],
    description:
      'The latest ranking snapshot, byte for byte as the processors stored it. In an onClose quiz the entries keep the standings of the last close while a question is open; answers and openQuestions[].answered count as answers come in.',
    properties: {
      quizId: ref('Id'),
      seq: { type: 'integer', minimum: 0, description: 'Only grows for a quiz; the SSE event id' },
      players: { type: 'integer', minimum: 0, description: 'Everyone on the board' },
      answers: { type: 'integer', minimum: 0 },
      openQuestions: {
        type: 'array',
        items: { type: 'object', required: ['questionId', 'answered'], properties: { questionId: ref('Id'), answered: { type: 'integer', minimum: 0 } } },
      },
      entries: { type: 'array', items: ref('LeaderboardEntry'), description: 'The top N (SNAPSHOT_TOP_N, 100 by default), or ?limit of them' },
    },
  },
  StandingsPage: {
    type: 'object',
    required: ['quizId', 'players', 'offset', 'entries'],
    description:
      'Ranks offset + 1 .. offset + entries.length of the whole board: from the snapshot when it covers the page, else from the live ranking. Only points the board shows (onClose: those released at the last close).',
    properties: {
      quizId: ref('Id'),
      players: { type: 'integer', minimum: 0, description: 'Everyone on the board, for the number of pages' },
      offset: { type: 'integer', minimum: 0 },
      entries: { type: 'array', items: ref('LeaderboardEntry'), description: 'Empty past the end of the board' },
    },
  },
  PlayerStanding: {
    type: 'object',
    required: ['playerId', 'displayName', 'score', 'rank'],
    properties: {
      playerId: ref('Id'),
      displayName: { type: 'string' },
      score: { type: 'integer', description: 'Points the board shows (onClose: none of an open question)' },
      rank: { type: 'integer', minimum: 1 },
      around: { type: 'array', items: ref('LeaderboardEntry'), description: 'With ?around=N: ranks rank − N .. rank + N that exist, the player included' },
    },
  },
};

// The personal stream's events (common/messages/wire.ts), one per SSE event name.
Object.assign(schemas, {
  AnswerReceivedEvent: {
    type: 'object',
    description: 'answer-received: the answer is counted; nothing about whether it was right',
    required: ['answerId', 'questionId'],
    properties: { answerId: ref('Id'), questionId: ref('Id') },
  },
  AnswerResultEvent: {
    type: 'object',
    description: 'answer-result: in an onClose quiz at the question\'s close, in a live quiz once scored',
    required: ['answerId', 'questionId', 'correct', 'points', 'total', 'rank', 'late', 'bonus'],
    properties: {
      answerId: ref('Id'),
      questionId: ref('Id'),
      correct: { type: 'boolean', description: 'Fully right (every correct choice and no other, or an accepted spelling); a partial-credit answer is not' },
      points: { type: 'integer', description: 'Streak bonus included' },
      total: { type: 'integer' },
      rank: { type: 'integer' },
      late: { type: 'boolean' },
      bonus: { type: 'integer', description: 'The streak part of points (quizzes with streak: true); 0 when none' },
    },
  },
  QuestionOpenedEvent: {
    type: 'object',
    description: 'question-opened: never the correct choices or accepted spellings',
    required: ['questionId', 'type', 'multiple', 'prompt', 'choices', 'points', 'timeLimitMs', 'openedAt', 'closesAt'],
    properties: {
      questionId: ref('Id'),
      type: { type: 'string', enum: ['choice', 'truefalse', 'text'] },
      multiple: { type: 'boolean', description: 'Several choices are correct: offer checkboxes' },
      prompt: { type: 'string' },
      choices: { type: 'array', items: { type: 'object', properties: { id: ref('Id'), text: { type: 'string' } } }, description: 'Empty for a text question' },
      points: { type: 'integer' },
      timeLimitMs: { type: 'integer' },
      openedAt: { type: 'string', format: 'date-time' },
      closesAt: { type: 'string', format: 'date-time' },
    },
  },
  QuestionClosedEvent: {
    type: 'object',
    description: 'question-closed: the reveal',
    required: ['questionId', 'correct', 'accepted', 'counts', 'closedAt'],
    properties: {
      questionId: ref('Id'),
      correct: { type: 'array', items: ref('Id'), description: 'Empty for a text question' },
      accepted: { type: 'array', items: { type: 'string' }, description: "A text question's accepted spellings; empty otherwise" },
      counts: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Per choice id; for a text question {"correct": n, "wrong": n}' },
      closedAt: { type: 'string', format: 'date-time' },
    },
  },
});

const responses: Record<string, Json> = {
  BadRequest: errorResponse('A malformed id, or a query parameter out of its bounds (invalid_request; details.param names it)'),
  RateLimited: errorResponse('Too many requests from this client address (rate_limited)', retryAfter),
  Unavailable: errorResponse('Redis (or, to tell a quiz exists, Postgres) does not answer (redis_unavailable, database_unavailable), or stream capacity is exhausted', retryAfter),
};

const sse = (description: string): Json => ({ '200': { description, content: { 'text/event-stream': { schema: { type: 'string' } } } } });

export function openApiDocument(limits: ReadLimits): Json {
  const limitText = `1..${limits.leaderboardMaxLimit}`;
  return {
    openapi: '3.0.3',
    info: {
      title: 'quizstream push',
      version: '1.0.0',
      description:
        'The read side of quizstream: leaderboards, full standings, a player\'s standing, and the SSE streams. ' +
        'Errors are always {"error": {"code", "message", "details"?}}. Prometheus metrics are on the operational port (PUSH_METRICS_PORT).',
    },
    paths: {
      '/healthz': { get: { summary: 'The process is alive', responses: ok('Alive', { type: 'object' }) } },
      '/readyz': {
        get: {
          summary: 'The Kafka consumer has joined its group, the schema registry has our subjects, Redis answers',
          responses: { ...ok('Ready', { type: 'object' }), '503': { description: 'A dependency does not answer', content: json({ type: 'object' }) } },
        },
      },
      '/openapi.json': { get: { summary: 'This document', responses: ok('OpenAPI 3 document', { type: 'object' }) } },
      '/v1/quizzes/{quizId}/leaderboard': {
        get: v1Get({
          summary: 'The latest snapshot (?limit: its top N), or with ?offset a page of the full standings',
          parameters: [
            quizIdParam,
            queryInt('limit', `Without offset: keep the snapshot's top N (${limitText}). With offset: the page size (${limitText}, default ${limits.standingsPageSize})`, 1, limits.leaderboardMaxLimit),
            queryInt('offset', `Page the full standings from rank offset + 1 (0..${OFFSET_MAX}); the body is then a StandingsPage`, 0, OFFSET_MAX),
          ],
          responses: {
            '200': {
              description: 'Without offset: the Snapshot. With offset: a StandingsPage',
              content: json({ oneOf: [ref('Snapshot'), ref('StandingsPage')] }),
            },
            '400': response('BadRequest'),
            '404': errorResponse('Nothing processed for the quiz yet, or no such quiz (leaderboard_not_found)'),
            '500': errorResponse('The stored snapshot does not match the v1 shape (snapshot_unreadable)'),
          },
        }),
      },
      '/v1/quizzes/{quizId}/players/{playerId}': {
        get: v1Get({
          summary: "One player's score and rank (one Redis round trip), with ?around=N the N players above and below",
          parameters: [quizIdParam, idParam('playerId', 'Player id'), queryInt('around', `Ranks each side (1..${limits.playerAroundMax})`, 1, limits.playerAroundMax)],
          responses: {
            ...ok('The standing', ref('PlayerStanding')),
            '400': response('BadRequest'),
            '404': errorResponse('The player is not on the board: never joined, or kicked (player_not_found)'),
          },
        }),
      },
      '/v1/quizzes/{quizId}/leaderboard/stream': {
        get: v1Get({
          summary: 'SSE: a snapshot event at once, then each newer one (event id = seq; Last-Event-ID resumes)',
          parameters: [
            quizIdParam,
            { name: 'lastEventId', in: 'query', required: false, schema: { type: 'integer', minimum: 0 }, description: 'As the Last-Event-ID header' },
            queryInt('limit', `Each snapshot's top N entries (${limitText}); absent: all. A big screen asks for what it shows`, 1, limits.leaderboardMaxLimit),
          ],
          responses: { ...sse('snapshot events (data: a Snapshot, its entries cut to ?limit)'), '400': response('BadRequest'), '404': errorResponse('No such quiz (quiz_not_found)') },
        }),
      },
      '/v1/quizzes/{quizId}/me/stream': {
        get: v1Get({
          summary: "SSE: the player's own results (answer-received, answer-result) and question-opened / question-closed",
          security: [{ bearerAuth: [] }, { tokenQuery: [] }],
          parameters: [quizIdParam],
          responses: {
            ...sse(
              'Personal events: answer-received (AnswerReceivedEvent), answer-result (AnswerResultEvent), question-opened (QuestionOpenedEvent), question-closed (QuestionClosedEvent); data is their JSON',
            ),
            '400': response('BadRequest'),
            '401': errorResponse('Missing, expired or invalid token'),
            '404': errorResponse('No such quiz (quiz_not_found)'),
          },
        }),
      },
    },
    components: {
      schemas,
      responses,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'sub is the player id' },
        tokenQuery: { type: 'apiKey', in: 'query', name: 'token', description: 'The same JWT, for EventSource, which cannot set headers' },
      },
    },
  };
}
