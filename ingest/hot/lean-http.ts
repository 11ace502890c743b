import type { IncomingMessage } from 'node:http';
import { AppError, PayloadTooLargeError, ValidationError } from '../../common/errors';

// The request bodies of the hot routes on plain node:http objects, read as express does (the body
// rules of app.ts jsonBodies and body-parser). A request these rules do not cover (another content
// type or encoding) is left to express by routes.ts; replies are common/lean-http.ts'.

const JSON_UTF8 = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const FIRST_CHAR = /^[ \t\n\r]*(.)/;

/** Whether the body, if any, is one the hot routes read as express would: JSON in UTF-8, not compressed. */
export function leanBody(req: IncomingMessage): boolean {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  const type = req.headers['content-type'];
  if (type === undefined) return !declaresBody(req) || req.headers['content-length'] === '0';
  return JSON_UTF8.test(type);
}

/** type-is's hasBody, which body-parser asks. */
function declaresBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || !Number.isNaN(Number.parseInt(req.headers['content-length'] ?? '', 10));
}

export type ReadBody = { ok: true; body: unknown } | { ok: false; error: AppError };

/** The parsed body as express.json leaves it in req.body: undefined without a JSON body, {} for an empty one. */
export function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<ReadBody> {
  const parses = req.headers['content-type'] !== undefined && declaresBody(req);
  if (Number(req.headers['content-length'] ?? 0) > limitBytes) {
    req.resume();
    return Promise.resolve({ ok: false, error: new PayloadTooLargeError() });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
    });
    // A client that went away mid-body: a 400 as body-parser's "request aborted", never a 500.
    req.once('error', () => resolve({ ok: false, error: new AppError('bad_request', 'request aborted', undefined, 400) }));
    req.once('end', () => {
      if (size > limitBytes) return resolve({ ok: false, error: new PayloadTooLargeError() });
      if (!parses) return resolve({ ok: true, body: undefined });
      const text = Buffer.concat(chunks, size).toString('utf8');
      if (text.length === 0) return resolve({ ok: true, body: {} });
      // body-parser's strict mode: only an object or an array is a JSON body.
      const first = FIRST_CHAR.exec(text)?.[1];
      try {
        if (first !== '{' && first !== '[') throw new SyntaxError('not an object or array');
        resolve({ ok: true, body: JSON.parse(text) as unknown });
      } catch {
        resolve({ ok: false, error: new ValidationError('request body is not valid JSON') });
      }
    });
  });
}
