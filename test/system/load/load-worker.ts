import { nodeCommand, startChild, type Child } from './children';

/** A load-generator process driven over IPC: its own heap and event loop, so the bench's never pause what it times. */
export interface LoadWorker {
  child: Child;
  /** Sends `msg` (none: only waits) and resolves with the first message of type `reply`; a `failed` message rejects. */
  request<T>(msg: unknown, reply: string, timeoutMs: number): Promise<T>;
}

export function startLoadWorker(name: string, script: string): LoadWorker {
  const child = startChild(name, nodeCommand(script), {}, { ipc: true });
  return {
    child,
    request<T>(msg: unknown, reply: string, timeoutMs: number): Promise<T> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no "${reply}" within ${timeoutMs} ms; last output:\n${child.tail()}`)), timeoutMs);
        const on = (m: { type: string; message?: string }) => {
          if (m.type !== reply && m.type !== 'failed') return;
          clearTimeout(timer);
          child.proc.off('message', on);
          if (m.type === 'failed') reject(new Error(`${name}: ${m.message}`));
          else resolve(m as T);
        };
        child.proc.on('message', on);
        if (msg) child.proc.send(msg as never);
      });
    },
  };
}
