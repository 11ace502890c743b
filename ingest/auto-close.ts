import type { Logger } from '../common/logger';

/**
 * Timers that close a question when its time is up, so the reveal and the next snapshot happen
 * even if the host never presses "close". Best effort and per process: a restarted instance
 * forgets its timers, and the host (or the next admin call) closes the question instead.
 */
export class AutoCloser {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly log: Logger) {}

  schedule(key: string, atMs: number, run: () => Promise<void>): void {
    if (this.stopped) return;
    this.cancel(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      run().catch((err: unknown) => this.log.error({ err, key }, 'auto-close failed'));
    }, Math.max(0, atMs - Date.now()));
    timer.unref(); // a pending close must not keep a stopping process alive
    this.timers.set(key, timer);
  }

  cancel(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  cancelWhere(predicate: (key: string) => boolean): void {
    for (const key of [...this.timers.keys()]) if (predicate(key)) this.cancel(key);
  }

  get size(): number {
    return this.timers.size;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
