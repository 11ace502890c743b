// Server-Sent Events wire format (WHATWG HTML, "event stream interpretation"). Frames are built
// once as Buffers so one snapshot's bytes can be written to every viewer without re-encoding.
import type { Frame } from './viewer';

export interface SseEvent {
  event?: string;
  id?: string | number;
  /** Sent as-is; a value with line breaks becomes several `data:` lines, which the client re-joins with "\n". */
  data: string;
}

// A field value may not contain CR or LF: it would end the line and start a field of the
// client's choosing. Event names and ids are ours, but check anyway rather than emit a broken frame.
function field(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`SSE ${name} must not contain a line break`);
  return `${name}: ${value}\n`;
}

export function formatEvent(e: SseEvent): string {
  let out = '';
  if (e.event !== undefined) out += field('event', e.event);
  if (e.id !== undefined) out += field('id', String(e.id));
  for (const line of e.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

export function eventFrame(e: SseEvent): Buffer {
  return Buffer.from(formatEvent(e), 'utf8');
}

/**
 * A frame to write to many viewers, in both forms a stream may need: as an HTTP/1.1 chunk
 * (`<size hex>\r\n<event>\r\n`, what a keep-alive response carries) and as the bare event (an
 * HTTP/1.0 response, a test's stream). Framed once here, each viewer's write is one buffer in one
 * call, instead of Node's ServerResponse framing every write again (size line, body, CRLF).
 * `bytes` is a view into `chunked`: the event is stored once.
 */
export function sseFrame(kind: string, event: Buffer | string): Frame {
  const body = typeof event === 'string' ? Buffer.from(event, 'utf8') : event;
  // An empty chunk would end the response.
  if (body.length === 0) throw new Error('an SSE frame cannot be empty');
  const head = `${body.length.toString(16)}\r\n`;
  const chunked = Buffer.allocUnsafe(head.length + body.length + 2);
  chunked.write(head, 0, 'latin1');
  body.copy(chunked, head.length);
  chunked.write('\r\n', head.length + body.length, 'latin1');
  return { kind, bytes: chunked.subarray(head.length, head.length + body.length), chunked };
}

/** A comment line: clients ignore it, proxies see traffic. */
export function commentFrame(text = ''): Buffer {
  if (/[\r\n]/.test(text)) throw new Error('SSE comment must not contain a line break');
  return Buffer.from(`:${text ? ` ${text}` : ''}\n\n`, 'utf8');
}

/** Reconnection advice: the client waits this long before reconnecting after a drop. */
export function retryFrame(ms: number): Buffer {
  return Buffer.from(`retry: ${Math.max(0, Math.round(ms))}\n\n`, 'utf8');
}

/** Response headers of every stream; X-Accel-Buffering stops nginx from holding events back. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
};

/**
 * The id a reconnecting client last saw, from the Last-Event-ID header (what EventSource sends) or
 * the lastEventId query parameter (for clients that cannot set headers). Only non-negative
 * integers are ids we issued; anything else counts as no id, so the client gets the latest.
 */
export function parseLastEventId(header: string | undefined, query: unknown): number | undefined {
  for (const candidate of [header, typeof query === 'string' ? query : undefined]) {
    if (candidate === undefined) continue;
    const trimmed = candidate.trim();
    if (/^\d{1,15}$/.test(trimmed)) return Number(trimmed);
  }
  return undefined;
}
