import { request, type IncomingHttpHeaders, type IncomingMessage, type ClientRequest } from 'node:http';

// A small Server-Sent Events client for tests: parses the event stream the way a browser's
// EventSource does (WHATWG HTML "event stream interpretation") and lets a test wait for events.

export interface SseMessage {
  /** "message" when the frame had no event: field. */
  event: string;
  /** The last event id in effect when the event was dispatched ('' for none). */
  id: string;
  data: string;
}

/** Incremental parser: feed it text as it arrives; it returns the events completed by that text. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private eventType = '';
  private lastId = '';
  readonly comments: string[] = [];
  retryMs: number | undefined;

  push(text: string): SseMessage[] {
    this.buffer += text;
    const out: SseMessage[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A lone CR at the very end may be the first half of a CRLF split across chunks.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const message = this.line(line);
      if (message) out.push(message);
    }
    return out;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') {
      const data = this.data;
      const eventType = this.eventType;
      this.data = [];
      this.eventType = '';
      if (data.length === 0) return undefined;
      return { event: eventType || 'message', id: this.lastId, data: data.join('\n') };
    }
    if (line.startsWith(':')) {
      this.comments.push(line.slice(1).trim());
      return undefined;
    }
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') this.data.push(value);
    else if (name === 'event') this.eventType = value;
    else if (name === 'id' && !value.includes('\0')) this.lastId = value;
    else if (name === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }
}

export interface SseConnection {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every event received so far, in order. */
  events: SseMessage[];
  parser: SseParser;
  /** The body of a response that was not an event stream (an error JSON), once it has ended. */
  body(): Promise<string>;
  /** Waits until `count` events match (counting from the start of the stream). */
  waitFor(predicate: (m: SseMessage) => boolean, count?: number, timeoutMs?: number): Promise<SseMessage[]>;
  /** Waits for the n-th event (0-based) of the stream. */
  nth(n: number, timeoutMs?: number): Promise<SseMessage>;
  /** Resolves when the server ends or breaks the stream. */
  ended: Promise<void>;
  close(): void;
}

export interface SseConnectOptions {
  headers?: Record<string, string>;
  /** How long to wait for the response head (ms). */
  timeoutMs?: number;
}

export function connectSse(url: string, options: SseConnectOptions = {}): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request(url, { headers: { Accept: 'text/event-stream', ...options.headers } });
    const timer = setTimeout(() => {
      req.destroy(new Error(`no response head from ${url} within ${options.timeoutMs ?? 10_000} ms`));
    }, options.timeoutMs ?? 10_000);
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.once('response', (res: IncomingMessage) => {
      clearTimeout(timer);
      resolve(wrap(req, res));
    });
    req.end();
  });
}

function wrap(req: ClientRequest, res: IncomingMessage): SseConnection {
  const parser = new SseParser();
  const events: SseMessage[] = [];
  const waiters = new Set<() => void>();
  // Only an error response's body is kept whole; a stream's text goes through the parser only.
  const isStream = (res.headers['content-type'] ?? '').startsWith('text/event-stream');
  let raw = '';
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  const ended = new Promise<void>((resolve) => {
    res.once('close', () => {
      resolve();
      wake();
    });
  });
  res.setEncoding('utf8'); // decodes multi-byte characters split across chunks correctly
  res.on('data', (chunk: string) => {
    if (!isStream) raw += chunk;
    events.push(...parser.push(chunk));
    wake();
  });
  // A reset by the server is how a dropped viewer ends; the test looks at `ended`, not at this error.
  res.on('error', () => wake());
  req.on('error', () => wake());

  let isEnded = false;
  void ended.then(() => {
    isEnded = true;
  });

  const waitFor: SseConnection['waitFor'] = async (predicate, count = 1, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hits = events.filter(predicate);
      if (hits.length >= count) return hits;
      const left = deadline - Date.now();
      if (left <= 0 || isEnded) {
        const why = isEnded ? 'the stream ended' : `waited ${timeoutMs} ms`;
        throw new Error(`${why}: ${hits.length} of ${count} matching events; got ${events.map((e) => `${e.event}#${e.id}`).join(', ') || 'none'}`);
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          waiters.delete(done);
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(done, Math.min(left, 250));
        waiters.add(done);
      });
    }
  };

  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    events,
    parser,
    body: async () => {
      await ended;
      return raw;
    },
    waitFor,
    nth: async (n, timeoutMs) => {
      await waitFor(() => true, n + 1, timeoutMs);
      return events[n]!;
    },
    ended,
    close: () => {
      req.destroy();
    },
  };
}
