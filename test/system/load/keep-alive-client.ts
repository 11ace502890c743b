import { connect, type Socket } from 'node:net';

// An HTTP client for latency figures that costs less than the server it times: one raw keep-alive
// connection, one request at a time, the reply read up to its Content-Length and not parsed
// further. node:http's client cost about 140 µs of CPU per request here, more than push spent
// serving a read (about 105 µs) and more than ingest spent accepting an answer (about 95 µs), on
// the same two cores, so its own work was part of every p99.

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;
const REPLY_TIMEOUT_MS = 10_000;

export class KeepAliveClient {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: ((err?: Error) => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly host: string,
  ) {
    socket.setNoDelay(true);
    // A server that stops answering fails the section instead of hanging the bench.
    socket.setTimeout(REPLY_TIMEOUT_MS, () => this.waiting?.(new Error(`no reply within ${REPLY_TIMEOUT_MS} ms`)));
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.waiting?.();
    });
    socket.on('error', (err) => this.waiting?.(err));
    socket.on('close', () => this.waiting?.(new Error('the server closed the connection')));
  }

  static open(host: string, port: number): Promise<KeepAliveClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => {
        socket.off('error', reject);
        resolve(new KeepAliveClient(socket, `${host}:${port}`));
      });
      socket.once('error', reject);
    });
  }

  /** GETs `path`; resolves with the status and the milliseconds from the write to the reply's last byte. */
  get(path: string): Promise<{ status: number; ms: number }> {
    return this.request(`GET ${path} HTTP/1.1\r\nHost: ${this.host}\r\n\r\n`, path);
  }

  /** POSTs a JSON body to `path` with the extra header lines given ("Name: value"); as get(). */
  postJson(path: string, body: string, headerLines: string[] = []): Promise<{ status: number; ms: number }> {
    const head = [`POST ${path} HTTP/1.1`, `Host: ${this.host}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, ...headerLines].join('\r\n');
    return this.request(`${head}\r\n\r\n${body}`, path);
  }

  private request(raw: string, path: string): Promise<{ status: number; ms: number }> {
    if (this.waiting) return Promise.reject(new Error('a request is already in flight on this connection'));
    const started = performance.now();
    this.socket.write(raw);
    return new Promise((resolve, reject) => {
      const check = (err?: Error) => {
        if (err) {
          this.waiting = undefined;
          reject(err);
          return;
        }
        const headerEnd = this.buffered.indexOf(HEADER_END);
        if (headerEnd < 0) return;
        const head = this.buffered.toString('latin1', 0, headerEnd);
        const length = CONTENT_LENGTH.exec(head);
        if (!length) {
          this.waiting = undefined;
          reject(new Error(`reply without Content-Length to ${path}: ${head.split('\r\n')[0]}`));
          return;
        }
        const total = headerEnd + HEADER_END.length + Number(length[1]);
        if (this.buffered.length < total) return;
        this.waiting = undefined;
        this.buffered = this.buffered.subarray(total);
        resolve({ status: Number(head.slice(9, 12)), ms: performance.now() - started });
      };
      this.waiting = check;
      check();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
