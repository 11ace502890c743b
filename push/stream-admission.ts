import type { Request, Response } from 'express';
import { TooManyStreamsError, UnavailableError } from '../common/errors';
import type { Logger } from '../common/logger';
import { clientAddress } from '../common/rate-limit';
import type { PushMetrics } from './metrics';

export interface AdmissionLimits {
  maxStreamsPerAddress: number;
  maxRssBytes: number;
}

/**
 * The process's resident memory, read at most every `everyMs`: each read is a /proc read, and a
 * crowd connecting at once would pay it per stream for a figure that moves slowly.
 */
function sampledRss(everyMs: number): () => number {
  let readAt = -Infinity;
  let value = 0;
  return () => {
    const now = Date.now();
    if (now - readAt >= everyMs) {
      value = process.memoryUsage.rss();
      readAt = now;
    }
    return value;
  };
}

/**
 * What one client may hold, beside the hub's total: a number of open streams per client address
 * (so one address cannot take every slot), and no new stream at all once the process's memory
 * passes its ceiling (so the instance answers 503 before it runs out, whatever the stream count).
 */
export class StreamAdmission {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly metrics: PushMetrics,
    private readonly log: Logger,
    private readonly residentBytes: () => number = sampledRss(100),
  ) {}

  /**
   * Throws 503 memory_limit or 429 too_many_streams; otherwise counts the stream against its
   * address until `res` closes. Call it in the same synchronous turn as the stream is connected.
   */
  admit(req: Request, res: Response): void {
    const rss = this.residentBytes();
    if (rss > this.limits.maxRssBytes) {
      this.metrics.connectionsRejected.inc({ reason: 'memory_limit' });
      this.log.warn({ rss, limit: this.limits.maxRssBytes }, 'push: memory ceiling reached, refusing new streams');
      throw new UnavailableError('this instance is near its memory limit; retry shortly', 2, 'memory_limit');
    }
    const address = clientAddress(req);
    const held = this.open.get(address) ?? 0;
    if (held >= this.limits.maxStreamsPerAddress) {
      this.metrics.connectionsRejected.inc({ reason: 'address_limit' });
      throw new TooManyStreamsError(this.limits.maxStreamsPerAddress);
    }
    this.open.set(address, held + 1);
    res.once('close', () => {
      const left = (this.open.get(address) ?? 1) - 1;
      if (left > 0) this.open.set(address, left);
      else this.open.delete(address);
    });
  }
}
