// What push tells the pages at /config.json: where ingest is, and in local dev the admin key.

export interface PageConfig {
  ingestUrl: string;
  devAdminKey?: string;
}

export async function loadPageConfig(): Promise<PageConfig> {
  // Relative, so the pages also work when push sits under a path prefix behind a proxy.
  const res = await fetch('config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const body = (await res.json()) as Partial<PageConfig>;
  if (typeof body.ingestUrl !== 'string') throw new Error('config.json has no ingestUrl');
  return { ingestUrl: body.ingestUrl.replace(/\/+$/, ''), ...(typeof body.devAdminKey === 'string' ? { devAdminKey: body.devAdminKey } : {}) };
}
