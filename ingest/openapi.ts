// The v1 contract of ingest as OpenAPI 3.0, served at /openapi.json. Written by hand so it says
// what we promise, not what the code happens to do; test/ingest/openapi.int.test.ts keeps the two
// equal (every route and every status in both directions).

import { errorResponse, idParam, json, ok, ref, response, retryAfter, sharedSchemas, v1Common, v1Get, type Json } from '../common/openapi';

/** Every /v1 POST reads a JSON body, which may be too large or in an encoding we do not decode. */
const bodyCommon: Record<string, Json> = {
  '413': response('PayloadTooLarge'),
  '415': response('UnsupportedMediaType'),
};

function v1Post(op: Json & { responses: Record<string, Json> }): Json {
  return { ...op, responses: { ...op.responses, ...v1Common, ...bodyCommon } };
}

/** A DELETE reads no body: like a GET, only the limiter and the dependencies add statuses. */
const v1Delete = v1Get;

/** The host's downloads: admin, once the quiz is closed, CSV. */
function resultsCsv(summary: string): Json {
  return v1Get({
    summary,
    security: [{ adminKey: [] }],
    parameters: [idParam('quizId', 'Quiz id')],
    responses: {
      '200': {
        description: 'CSV (UTF-8 with a byte order mark; cells that would start a spreadsheet formula get a leading apostrophe)',
        headers: { 'Content-Disposition': { description: 'attachment; filename="<quizId>-….csv"', schema: { type: 'string' } } },
        content: { 'text/csv': { schema: { type: 'string' } } },
      },
      '400': response('BadRequest'),
      '401': response('Unauthorized'),
      '404': response('NotFound'),
      '409': errorResponse('The quiz is still running (quiz_not_closed)'),
    },
  });
}

const adminOnly = [{ adminKey: [] }];
const playerOnly = [{ bearerAuth: [] }];

const schemas: Record<string, Json> = {
  ...sharedSchemas,
  DisplayName: {
    type: 'string',
    minLength: 1,
    maxLength: 24,
    description:
      'NFC-normalized, format and other invisible characters removed, runs of spaces made one, trimmed; 1-24 characters with at least one visible one; no control characters. Unique within a quiz, compared in NFKC and lower case',
  },
  Timestamp: { type: 'string', format: 'date-time' },
  Choice: {
    type: 'object',
    required: ['id', 'text'],
    properties: { id: ref('Id'), text: { type: 'string', minLength: 1, maxLength: 200 } },
  },
  QuestionType: {
    type: 'string',
    enum: ['choice', 'truefalse', 'text'],
    default: 'choice',
    description: 'choice: pick among choices, one or several correct; truefalse: the two choices "true" and "false"; text: type the answer',
  },
  QuestionInput: {
    oneOf: [ref('ChoiceQuestionInput'), ref('TrueFalseQuestionInput'), ref('TextQuestionInput')],
    description: 'Told apart by `type` (choice when omitted)',
  },
  ChoiceQuestionInput: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'prompt', 'choices', 'correct'],
    properties: {
      id: ref('Id'),
      type: { type: 'string', enum: ['choice'], default: 'choice' },
      prompt: { type: 'string', minLength: 1, maxLength: 1000 },
      choices: { type: 'array', minItems: 2, maxItems: 10, items: ref('Choice'), description: 'Choice ids unique within the question' },
      correct: {
        type: 'array',
        minItems: 1,
        items: ref('Id'),
        description: 'Ids of the correct choices. Several: an answer must pick all of them and no other (all-or-nothing), unless the quiz sets partial',
      },
      points: ref('Points'),
      timeLimitMs: ref('TimeLimitMs'),
    },
  },
  TrueFalseQuestionInput: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'type', 'prompt', 'correct'],
    properties: {
      id: ref('Id'),
      type: { type: 'string', enum: ['truefalse'] },
      prompt: { type: 'string', minLength: 1, maxLength: 1000 },
      choices: {
        type: 'array',
        minItems: 2,
        maxItems: 2,
        items: ref('Choice'),
        description: 'Optional, to word the two choices otherwise (another language); their ids are "true" and "false". Default [{"id":"true","text":"True"},{"id":"false","text":"False"}]',
      },
      correct: { type: 'array', minItems: 1, maxItems: 1, items: { type: 'string', enum: ['true', 'false'] } },
      points: ref('Points'),
      timeLimitMs: ref('TimeLimitMs'),
    },
  },
  TextQuestionInput: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'type', 'prompt', 'accepted'],
    properties: {
      id: ref('Id'),
      type: { type: 'string', enum: ['text'] },
      prompt: { type: 'string', minLength: 1, maxLength: 1000 },
      accepted: {
        type: 'array',
        minItems: 1,
        maxItems: 20,
        items: { type: 'string', minLength: 1, maxLength: 200 },
        description:
          'The accepted spellings (the answer key: never shown before the close). An answer matches one when both, trimmed and case folded, are equal (and, with ignoreAccents, with accents removed: Unicode NFD, combining marks dropped)',
      },
      ignoreAccents: { type: 'boolean', default: false },
      points: ref('Points'),
      timeLimitMs: ref('TimeLimitMs'),
    },
  },
  Points: { type: 'integer', minimum: 0, maximum: 100000, default: 1000 },
  TimeLimitMs: { type: 'integer', minimum: 100, maximum: 3600000, default: 20000 },
  Scoring: {
    type: 'string',
    enum: ['speed', 'flat'],
    default: 'speed',
    description: 'speed: round(points × (1 − (t/T)/2)) for a correct answer, t its time from the open, T the time limit; flat: the full points for any correct answer',
  },
  Streak: {
    type: 'boolean',
    default: false,
    description:
      'Answer streak: +100 per consecutive correct (in time) answer before this one, at most +500 (the 2nd correct in a row gets +100, the 6th and later +500). A wrong or late answer, or a question the player did not answer, ends it',
  },
  Partial: {
    type: 'boolean',
    default: false,
    description: 'Questions with several correct choices give points × (right picks − wrong picks) / correct choices, at least 0 (the speed rule still applies under speed); otherwise all-or-nothing',
  },
  QuizInput: {
    type: 'object',
    additionalProperties: false,
    required: ['title', 'questions'],
    properties: {
      id: { ...ref('Id'), description: 'Generated (a UUID) when omitted' },
      title: { type: 'string', minLength: 1, maxLength: 200 },
      scoreVisibility: ref('ScoreVisibility'),
      closeWhenAllAnswered: ref('CloseWhenAllAnswered'),
      scoring: ref('Scoring'),
      streak: ref('Streak'),
      partial: ref('Partial'),
      questions: { type: 'array', minItems: 1, maxItems: 100, items: ref('QuestionInput'), description: 'Question ids unique' },
    },
  },
  ScoreVisibility: {
    type: 'string',
    enum: ['onClose', 'live'],
    default: 'onClose',
    description:
      'onClose: while a question is open nobody learns whether an answer was right (players get answer-received, the board keeps the standings of the last close and shows how many have answered); at the close every result, the new standings and the reveal go out together. ' +
      'live: points reach the player and the board as soon as they are scored, which shows everyone who was right while the question is still open (practice, homework, large open audiences).',
  },
  CloseWhenAllAnswered: {
    type: 'boolean',
    default: false,
    description: 'Close each question as soon as every joined, not kicked player has answered it (besides its time limit and the host)',
  },
  Pin: { type: 'string', pattern: '^[0-9]{6}$', example: '482913', description: 'Game PIN: six digits, unique among quizzes that are not closed' },
  CreatedQuiz: {
    type: 'object',
    required: ['id', 'title', 'status', 'scoreVisibility', 'pin', 'closeWhenAllAnswered', 'scoring', 'streak', 'partial', 'createdAt', 'questions'],
    properties: {
      id: ref('Id'),
      title: { type: 'string' },
      status: { type: 'string', enum: ['open', 'closed'] },
      scoreVisibility: ref('ScoreVisibility'),
      pin: ref('Pin'),
      closeWhenAllAnswered: ref('CloseWhenAllAnswered'),
      scoring: ref('Scoring'),
      streak: ref('Streak'),
      partial: ref('Partial'),
      createdAt: ref('Timestamp'),
      questions: {
        type: 'array',
        description: 'As given, with defaults filled in: every question has its type; a true/false one its two choices',
        items: {
          allOf: [ref('QuestionInput'), { type: 'object', required: ['type'], properties: { position: { type: 'integer' } } }],
        },
      },
    },
  },
  PublicQuestion: {
    type: 'object',
    required: ['id', 'position', 'state', 'points', 'timeLimitMs', 'openedAt', 'closesAt', 'closedAt'],
    description: 'type, multiple, prompt and choices appear once the question has been opened; the answer key (correct choices, accepted spellings) never does',
    properties: {
      id: ref('Id'),
      position: { type: 'integer' },
      state: { type: 'string', enum: ['pending', 'open', 'closed'] },
      points: { type: 'integer' },
      timeLimitMs: { type: 'integer' },
      openedAt: { ...ref('Timestamp'), nullable: true },
      closesAt: { ...ref('Timestamp'), nullable: true },
      closedAt: { ...ref('Timestamp'), nullable: true },
      type: ref('QuestionType'),
      multiple: { type: 'boolean', description: 'Several choices are correct: the player may pick several (which ones stays secret)' },
      prompt: { type: 'string' },
      choices: { type: 'array', items: ref('Choice'), description: 'Empty for a text question' },
    },
  },
  PublicQuiz: {
    type: 'object',
    required: ['id', 'title', 'status', 'scoreVisibility', 'pin', 'closeWhenAllAnswered', 'scoring', 'streak', 'partial', 'createdAt', 'closedAt', 'questions'],
    properties: {
      id: ref('Id'),
      title: { type: 'string' },
      status: { type: 'string', enum: ['open', 'closed'] },
      scoreVisibility: ref('ScoreVisibility'),
      pin: { ...ref('Pin'), nullable: true, description: 'null once the quiz is closed (the PIN is free for another quiz), or for a quiz made before PINs that never asked for one' },
      closeWhenAllAnswered: ref('CloseWhenAllAnswered'),
      scoring: ref('Scoring'),
      streak: ref('Streak'),
      partial: ref('Partial'),
      createdAt: ref('Timestamp'),
      closedAt: { ...ref('Timestamp'), nullable: true },
      questions: { type: 'array', items: ref('PublicQuestion') },
    },
  },
  Reveal: {
    type: 'object',
    required: ['questionId', 'type', 'correct', 'accepted', 'counts', 'answered', 'closedAt'],
    properties: {
      questionId: ref('Id'),
      type: ref('QuestionType'),
      correct: { type: 'array', items: ref('Id'), description: 'The correct choices; empty for a text question' },
      accepted: { type: 'array', items: { type: 'string' }, description: "A text question's accepted spellings; empty otherwise" },
      counts: {
        type: 'object',
        additionalProperties: { type: 'integer' },
        description: 'First answers per choice id, every choice listed (an answer with several picks counts for each); for a text question {"correct": n, "wrong": n}',
      },
      answered: { type: 'integer', description: 'Players who answered the question' },
      closedAt: ref('Timestamp'),
    },
  },
  Joined: {
    type: 'object',
    required: ['quizId', 'playerId', 'displayName'],
    properties: {
      quizId: ref('Id'),
      playerId: ref('Id'),
      displayName: ref('DisplayName'),
      joinedAt: { ...ref('Timestamp'), description: 'Only on the first join (201)' },
    },
  },
};

const responses: Record<string, Json> = {
  BadRequest: errorResponse('Malformed request: bad id, body or JSON (code invalid_request, or bad_request)'),
  Unauthorized: errorResponse('Missing, expired or invalid credentials'),
  NotFound: errorResponse('Unknown quiz (quiz_not_found) or question (question_not_found)'),
  PayloadTooLarge: errorResponse('Body larger than the limit (64 kB by default)'),
  UnsupportedMediaType: errorResponse('A body that is not JSON (Content-Type other than application/json), or in a charset or Content-Encoding the server does not decode (unsupported_media_type)'),
  RateLimited: errorResponse('Too many requests from this client address or player', retryAfter),
  Unavailable: errorResponse(
    'A dependency (Kafka, Redis, Postgres, identity provider) cannot take the request now; for the reveal and the results, also while the processors have not yet released the last close (results_pending)',
    retryAfter,
  ),
};

export function openApiDocument(opts: { devTokens: boolean }): Json {
  const paths: Record<string, Json> = {
    '/healthz': { get: { summary: 'The process is alive', responses: ok('Alive', { type: 'object' }) } },
    '/readyz': {
      get: {
        summary: 'Kafka, the schema registry (with our subjects), Redis and Postgres answer',
        responses: {
          ...ok('Ready', { type: 'object' }),
          '503': { description: 'A dependency does not answer', content: json({ type: 'object' }) },
        },
      },
    },
    '/openapi.json': { get: { summary: 'This document', responses: ok('OpenAPI 3 document', { type: 'object' }) } },
    '/v1/quizzes': {
      post: v1Post({
        summary: 'Create a quiz with its questions and answer key (admin)',
        security: adminOnly,
        requestBody: { required: true, content: json(ref('QuizInput')) },
        responses: {
          ...ok('Created; the admin gets the answer key back', ref('CreatedQuiz'), '201'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '409': errorResponse('A quiz with this id exists (quiz_exists)'),
        },
      }),
    },
    '/v1/quizzes/{quizId}': {
      get: v1Get({
        summary: 'A quiz as players see it: questions and their state, never the answer key',
        parameters: [idParam('quizId', 'Quiz id')],
        responses: { ...ok('The quiz', ref('PublicQuiz')), '400': response('BadRequest'), '404': response('NotFound') },
      }),
    },
    '/v1/quizzes/{quizId}/close': {
      post: v1Post({
        summary: 'Close the quiz (admin): closes open questions (QuestionClosed each), then QuizClosed',
        security: adminOnly,
        parameters: [idParam('quizId', 'Quiz id')],
        responses: {
          ...ok('Closed', {
            type: 'object',
            required: ['closedAt', 'closedQuestions'],
            properties: { closedAt: ref('Timestamp'), closedQuestions: { type: 'array', items: ref('Id') } },
          }),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': response('NotFound'),
          '409': errorResponse('Already closed (quiz_closed)'),
        },
      }),
    },
    '/v1/quizzes/{quizId}/questions/{questionId}/open': {
      post: v1Post({
        summary: 'Open a question (admin); answers are accepted until closesAt = openedAt + timeLimitMs',
        security: adminOnly,
        parameters: [idParam('quizId', 'Quiz id'), idParam('questionId', 'Question id')],
        responses: {
          ...ok('Opened', {
            type: 'object',
            required: ['openedAt', 'closesAt'],
            properties: { openedAt: ref('Timestamp'), closesAt: ref('Timestamp') },
          }),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': response('NotFound'),
          '409': errorResponse('Already open (question_already_open), already closed (question_closed) or quiz closed (quiz_closed)'),
        },
      }),
    },
    '/v1/quizzes/{quizId}/questions/{questionId}/close': {
      post: v1Post({
        summary: 'Close a question (admin)',
        security: adminOnly,
        parameters: [idParam('quizId', 'Quiz id'), idParam('questionId', 'Question id')],
        responses: {
          ...ok('Closed', { type: 'object', required: ['closedAt'], properties: { closedAt: ref('Timestamp') } }),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': response('NotFound'),
          '409': errorResponse('Never opened (question_not_open), already closed (question_closed) or quiz closed (quiz_closed)'),
        },
      }),
    },
    '/v1/quizzes/{quizId}/players': {
      post: v1Post({
        summary: 'Join a quiz (player); joining again returns the first join',
        security: playerOnly,
        parameters: [idParam('quizId', 'Quiz id')],
        requestBody: {
          required: false,
          content: json({
            type: 'object',
            properties: { displayName: ref('DisplayName') },
            description: "displayName defaults to the token's name claim",
          }),
        },
        responses: {
          ...ok('Already joined', ref('Joined')),
          ...ok('Joined; PlayerJoined is in Kafka', ref('Joined'), '201'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '403': errorResponse('The host kicked this player out of the quiz (kicked)'),
          '404': response('NotFound'),
          '409': errorResponse(
            'Another player of the quiz has this name once normalized (name_taken; details.suggestion is a free variant when one was found), or this player\'s first join is still being written (join_pending; retry shortly)',
          ),
          '422': errorResponse('The quiz is closed (quiz_closed), or the name is on the profanity list (name_rejected)'),
        },
      }),
    },
    '/v1/quizzes/{quizId}/players/{playerId}': {
      delete: v1Delete({
        summary: 'Kick a player (admin): off the leaderboard, and refused when joining or answering again (403 kicked); a repeat returns the first kick',
        security: adminOnly,
        parameters: [idParam('quizId', 'Quiz id'), idParam('playerId', 'Player id')],
        responses: {
          ...ok('Kicked; PlayerKicked is in Kafka', {
            type: 'object',
            required: ['quizId', 'playerId', 'kickedAt'],
            properties: { quizId: ref('Id'), playerId: ref('Id'), kickedAt: ref('Timestamp') },
          }),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': errorResponse('Unknown quiz (quiz_not_found), or the player never joined it (player_not_found)'),
          '409': errorResponse('The quiz is closed (quiz_closed)'),
        },
      }),
    },
    '/v1/pins/{pin}': {
      get: v1Get({
        summary: 'The quiz that has this game PIN (among quizzes that are not closed)',
        parameters: [{ name: 'pin', in: 'path', required: true, description: 'Game PIN', schema: ref('Pin') }],
        responses: {
          ...ok('The quiz', { type: 'object', required: ['pin', 'quizId'], properties: { pin: ref('Pin'), quizId: ref('Id') } }),
          '400': errorResponse('Not six digits (invalid_request)'),
          '404': errorResponse('No quiz that is not closed has this PIN (pin_not_found)'),
        },
      }),
    },
    '/v1/quizzes/{quizId}/pin': {
      post: v1Post({
        summary: "The quiz's game PIN (admin), given now to a quiz made before PINs existed",
        security: adminOnly,
        parameters: [idParam('quizId', 'Quiz id')],
        responses: {
          ...ok('The PIN', { type: 'object', required: ['quizId', 'pin'], properties: { quizId: ref('Id'), pin: ref('Pin') } }),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': response('NotFound'),
          '409': errorResponse('The quiz is closed (quiz_closed)'),
        },
      }),
    },
    '/v1/quizzes/{quizId}/questions/{questionId}/reveal': {
      get: v1Get({
        summary: 'A closed question: its correct choices and how many players picked each (the big screen reads it)',
        parameters: [idParam('quizId', 'Quiz id'), idParam('questionId', 'Question id')],
        responses: {
          ...ok('The reveal', ref('Reveal')),
          '400': response('BadRequest'),
          '404': response('NotFound'),
          '409': errorResponse('Not closed yet (question_not_closed)'),
        },
      }),
    },
    '/v1/quizzes/{quizId}/results.csv': {
      get: resultsCsv(
        'Per player, in board order (admin, once the quiz is closed): rank, player_id, display_name, score (streak bonuses included), correct_answers (fully right and in time, every question type), answers, average_answer_time_s. Kicked players are not on it',
      ),
    },
    '/v1/quizzes/{quizId}/questions.csv': {
      get: resultsCsv(
        'Per question (admin, once the quiz is closed): position, question_id, type, prompt, answers, correct_answers (fully right and in time), correct_rate, median_answer_time_s, correct_choices (the correct choices\' texts, or a text question\'s accepted spellings, joined by " | "), distribution ("text: n | …" per choice, or "correct: n | wrong: n"), then choice_N and choice_N_answers for each choice',
      ),
    },
    '/v1/quizzes/{quizId}/answers': {
      post: v1Post({
        summary: 'Answer the open question (player); 202 once the answer is durably in Kafka',
        security: playerOnly,
        parameters: [idParam('quizId', 'Quiz id')],
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['questionId'],
            description:
              'Exactly one of choiceId, choiceIds (choice and true/false questions; several picks only where several choices are correct) or text (text questions). Another form than the question takes is a 400 invalid_answer',
            properties: {
              questionId: ref('Id'),
              choiceId: { ...ref('Id'), description: 'One choice (the v1 body)' },
              choiceIds: { type: 'array', minItems: 1, maxItems: 10, uniqueItems: true, items: ref('Id'), description: 'The choices picked' },
              text: { type: 'string', minLength: 1, maxLength: 200, description: 'The typed answer (trimmed; no control characters)' },
              answerId: { ...ref('Id'), description: 'Idempotency key; a UUID is generated when omitted' },
            },
          }),
        },
        responses: {
          '202': {
            description: 'Accepted (acks=all); a retry with the same answerId gets the same reply',
            content: json({ type: 'object', required: ['answerId'], properties: { answerId: ref('Id') } }),
          },
          '400': errorResponse(
            'Malformed body or id (invalid_request), a choice the question does not have (invalid_request), or a form of answer the question does not take (invalid_answer). Both checked last: a player who has not joined, or a question that is not open, gets the 403 or 422 whatever the answer',
          ),
          '401': response('Unauthorized'),
          '403': errorResponse('The player has not joined the quiz (not_joined), or the host kicked them out of it (kicked)'),
          '404': response('NotFound'),
          '409': errorResponse('The player already answered this question (already_answered), or the same answerId is still being written (answer_pending)'),
          '422': errorResponse('The question is not open, or its time ran out (question_not_open), or the quiz is closed (quiz_closed)'),
        },
      }),
    },
  };
  if (opts.devTokens) {
    paths['/v1/auth/dev-token'] = {
      post: v1Post({
        summary: 'Issue an HS256 player token (AUTH_MODE=dev only)',
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['playerId', 'displayName'],
            properties: { playerId: ref('Id'), displayName: ref('DisplayName') },
          }),
        },
        responses: {
          ...ok('A token for the player, valid 12 h by default', {
            type: 'object',
            required: ['token', 'expiresAt', 'playerId'],
            properties: { token: { type: 'string' }, expiresAt: ref('Timestamp'), playerId: ref('Id') },
          }),
          '400': response('BadRequest'),
        },
      }),
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'quizstream ingest',
      version: '1.0.0',
      description:
        'The write side of quizstream: validates, authenticates and writes quiz events to Kafka. ' +
        'Errors are always {"error": {"code", "message", "details"?}}. ' +
        'Prometheus metrics are not on this port: they are on the operational port (INGEST_METRICS_PORT).',
    },
    paths,
    components: {
      schemas,
      responses,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'sub is the player id' },
        adminKey: { type: 'apiKey', in: 'header', name: 'x-admin-key' },
      },
    },
  };
}
