// A bare JSON-over-HTTP client for the drill (the jest helpers in test/helpers register jest hooks,
// which a plain `tsx` process does not have). Network errors are returned, not thrown, because a
// load generator under fault injection must see them as an answer to retry.

export interface HttpReply {
  status: number; // 0: no HTTP answer (connection refused, reset, timeout)
  body: unknown;
  text: string;
  headers: Headers | undefined;
  error?: string;
}

export async function httpJson(
  method: string,
  url: string,
  opts: { body?: unknown; token?: string; adminKey?: string; timeoutMs?: number } = {},
): Promise<HttpReply> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.adminKey) headers['x-admin-key'] = opts.adminKey;
  try {
    const res = await fetch(url, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) {
      try {
        body = JSON.parse(text);
      } catch (err) {
        body = { unparsable: text, error: (err as Error).message };
      }
    }
    return { status: res.status, body, text, headers: res.headers };
  } catch (err) {
    return { status: 0, body: undefined, text: '', headers: undefined, error: (err as Error).message };
  }
}

/** Seconds from a Retry-After header as ms, clamped; `fallbackMs` when absent. */
export function retryAfterMs(reply: HttpReply, fallbackMs: number): number {
  const v = Number(reply.headers?.get('retry-after'));
  return Number.isFinite(v) && v > 0 ? Math.min(v * 1000, 5_000) : fallbackMs;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function errorCode(reply: HttpReply): string | undefined {
  const b = reply.body as { error?: { code?: string } } | undefined;
  return b?.error?.code;
}
