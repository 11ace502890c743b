import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { leanBody, readJsonBody } from '../../../ingest/hot/lean-http';

function request(headers: Record<string, string>, body?: string): IncomingMessage {
  const stream = Readable.from(body === undefined ? [] : [Buffer.from(body)]) as unknown as IncomingMessage;
  stream.headers = headers;
  return stream;
}

const json = (body: string) => request({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body);

describe('which requests the hot routes read themselves', () => {
  test.each([
    [{ 'content-type': 'application/json' }, true],
    [{ 'content-type': 'application/json; charset=utf-8' }, true],
    [{ 'content-type': 'Application/JSON;charset="UTF-8"' }, true],
    [{}, true],
    [{ 'content-length': '0' }, true],
    [{ 'content-type': 'application/json; charset=latin1' }, false],
    [{ 'content-type': 'text/plain', 'content-length': '2' }, false],
    [{ 'content-length': '2' }, false],
    [{ 'content-type': 'application/json', 'content-encoding': 'gzip' }, false],
    [{ 'content-type': 'application/vnd.api+json' }, false],
  ])('%j → %s (anything else goes to express)', (headers, lean) => {
    expect(leanBody(request(headers))).toBe(lean);
  });
});

describe('the body as express.json leaves it', () => {
  test('an object, an array', async () => {
    expect(await readJsonBody(json('{"a":1}'), 100)).toEqual({ ok: true, body: { a: 1 } });
    expect(await readJsonBody(json(' [1]'), 100)).toEqual({ ok: true, body: [1] });
  });

  test('no body: undefined; an empty JSON body: {}', async () => {
    expect(await readJsonBody(request({}), 100)).toEqual({ ok: true, body: undefined });
    expect(await readJsonBody(json(''), 100)).toEqual({ ok: true, body: {} });
  });

  test('malformed JSON, or JSON that is neither object nor array (strict): 400 invalid_request', async () => {
    for (const text of ['{"a":', '"q1"', '12', 'null']) {
      const r = await readJsonBody(json(text), 100);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ status: 400, code: 'invalid_request', message: 'request body is not valid JSON' });
    }
  });

  test('over the limit, declared or sent: 413', async () => {
    const big = `{"a":"${'x'.repeat(200)}"}`;
    for (const req of [json(big), request({ 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, big)]) {
      const r = await readJsonBody(req, 100);
      expect(r.ok ? 200 : r.error.status).toBe(413);
    }
  });
});

test('a client that goes away mid-body: 400 bad_request, as body-parser answers, never a 500', async () => {
  const req = new Readable({ read() {} }) as unknown as IncomingMessage;
  req.headers = { 'content-type': 'application/json', 'content-length': '100' };
  const reading = readJsonBody(req, 1_000);
  (req as unknown as Readable).push('{"questionId":');
  (req as unknown as Readable).destroy(new Error('aborted'));
  const r = await reading;
  expect(r.ok ? 200 : { status: r.error.status, code: r.error.code }).toEqual({ status: 400, code: 'bad_request' });
});
