import { request, type ClientRequest } from 'node:http';
import { SseParser, type SseMessage } from '../../helpers/sse-client';

// A lightweight EventSource stand-in for the bench's own viewers (a few connections in the bench
// process): it stamps each event with the time its bytes arrived, before any parsing of the data.

export interface TimedEvent extends SseMessage {
  at: number; // performance.now() when the chunk holding the event arrived
}

export interface SseStream {
  events: TimedEvent[];
  status: number;
  close(): void;
}

export function openSse(url: string, onEvent?: (e: TimedEvent) => void, timeoutMs = 10_000): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request(url, { headers: { accept: 'text/event-stream' } });
    const timer = setTimeout(() => req.destroy(new Error(`no response from ${url} within ${timeoutMs} ms`)), timeoutMs);
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.once('response', (res) => {
      clearTimeout(timer);
      const parser = new SseParser();
      const events: TimedEvent[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = performance.now();
        for (const m of parser.push(chunk)) {
          const e = { ...m, at };
          events.push(e);
          onEvent?.(e);
        }
      });
      // The bench closes these streams itself at the end; an error after that is expected.
      res.on('error', () => undefined);
      req.on('error', () => undefined);
      resolve({ events, status: res.statusCode ?? 0, close: () => req.destroy() });
    });
    req.end();
  });
}
