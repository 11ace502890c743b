// The building blocks of the tiers' OpenAPI 3.0 documents (ingest/openapi.ts, push/openapi.ts):
// references, the error body and the responses every /v1 route shares, so both documents describe
// errors and ids the same way.

export type Json = Record<string, unknown>;

export const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: Json): Json => ({ 'application/json': { schema } });
export const response = (name: string): Json => ({ $ref: `#/components/responses/${name}` });

export const retryAfter: Json = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } },
};

export function errorResponse(description: string, headers?: Json): Json {
  return { description, ...(headers ? { headers } : {}), content: json(ref('Error')) };
}

export const idParam = (name: string, what: string): Json => ({
  name,
  in: 'path',
  required: true,
  description: what,
  schema: ref('Id'),
});

/** Every /v1 route may answer these: rate limited, or a dependency (at least Redis) down. */
export const v1Common: Record<string, Json> = {
  '429': response('RateLimited'),
  '503': response('Unavailable'),
};

export const ok = (description: string, schema: Json, status = '200'): Record<string, Json> => ({
  [status]: { description, content: json(schema) },
});

export function v1Get(op: Json & { responses: Record<string, Json> }): Json {
  return { ...op, responses: { ...op.responses, ...v1Common } };
}

/** The schemas both documents use: the id rule (common/ids.ts) and the error body (common/http.ts). */
export const sharedSchemas: Record<string, Json> = {
  Id: { type: 'string', pattern: '^(?!__proto__$)[A-Za-z0-9_-]{1,64}$', example: 'demo-1', description: 'Reserved: __proto__' },
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', example: 'question_not_open' },
          message: { type: 'string' },
          details: {},
        },
      },
    },
  },
};
