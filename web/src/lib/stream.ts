// An EventSource with a visible state. The browser reconnects by itself after a dropped stream
// (sending Last-Event-ID); when the server refuses outright (non-200), EventSource gives up, so we
// reconnect ourselves with a growing delay, passing the last id as ?lastEventId.

export type StreamState = 'connecting' | 'live' | 'reconnecting';

export interface StreamStatus {
  state: StreamState;
  /** Times the stream came back after having been live. */
  reconnects: number;
}

export interface LiveStream {
  close(): void;
}

export function openLiveStream(
  url: string,
  handlers: Record<string, (data: unknown) => void>,
  onStatus: (status: StreamStatus) => void,
): LiveStream {
  let source: EventSource | undefined;
  let wasLive = false;
  let reconnects = 0;
  let lastId = '';
  let retryTimer: number | undefined;
  let delayMs = 1_000;
  let closed = false;

  const report = (state: StreamState) => onStatus({ state, reconnects });

  const connect = () => {
    let target = url;
    if (lastId) target += `${url.includes('?') ? '&' : '?'}lastEventId=${encodeURIComponent(lastId)}`;
    const es = new EventSource(target);
    source = es;
    es.onopen = () => {
      if (wasLive) reconnects += 1;
      wasLive = true;
      delayMs = 1_000;
      report('live');
    };
    es.onerror = () => {
      if (closed) return;
      report(wasLive ? 'reconnecting' : 'connecting');
      if (es.readyState === EventSource.CLOSED) {
        retryTimer = window.setTimeout(connect, delayMs);
        delayMs = Math.min(delayMs * 2, 15_000);
      }
    };
    for (const [name, handle] of Object.entries(handlers)) {
      es.addEventListener(name, (ev) => {
        const message = ev as MessageEvent<string>;
        if (message.lastEventId) lastId = message.lastEventId;
        let data: unknown;
        try {
          data = JSON.parse(message.data);
        } catch (err) {
          console.warn(`ignoring a "${name}" event that is not JSON`, err);
          return;
        }
        handle(data);
      });
    }
  };

  report('connecting');
  connect();
  return {
    close() {
      closed = true;
      if (retryTimer !== undefined) window.clearTimeout(retryTimer);
      source?.close();
    },
  };
}

/** Renders a stream's state into a status element (role="status", so screen readers hear it). */
export function showStreamStatus(el: HTMLElement, status: StreamStatus): void {
  const labels: Record<StreamState, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' };
  let text = labels[status.state];
  if (status.state === 'live' && status.reconnects > 0) text += ` (reconnected ${status.reconnects}×)`;
  el.textContent = text;
  el.dataset.state = status.state;
  el.dataset.reconnects = String(status.reconnects);
}
