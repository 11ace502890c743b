import { KeepAliveClient } from './keep-alive-client';
import { inParallel } from './quiz-driver';

/**
 * Keep-alive connections opened up front (as players' phones hold theirs from the join), each used
 * by one request at a time; a request that finds every connection busy waits for one, and that
 * wait is part of its latency, as it would be in a browser's connection pool.
 */
export class KeepAlivePool {
  private readonly free: KeepAliveClient[];
  private readonly queue: Array<(c: KeepAliveClient) => void> = [];

  private constructor(private readonly all: KeepAliveClient[]) {
    this.free = [...all];
  }

  static async open(baseUrl: string, count: number): Promise<KeepAlivePool> {
    const url = new URL(baseUrl);
    return new KeepAlivePool(await inParallel(Array.from({ length: count }), 100, () => KeepAliveClient.open(url.hostname, Number(url.port))));
  }

  get size(): number {
    return this.all.length;
  }

  async use<T>(fn: (c: KeepAliveClient) => Promise<T>): Promise<T> {
    const conn = this.free.pop() ?? (await new Promise<KeepAliveClient>((resolve) => this.queue.push(resolve)));
    try {
      return await fn(conn);
    } finally {
      const next = this.queue.shift();
      if (next) next(conn);
      else this.free.push(conn);
    }
  }

  close(): void {
    for (const c of this.all) c.close();
  }
}
