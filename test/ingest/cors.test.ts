import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { corsMiddleware } from '../../ingest/cors';
import { loadIngestOptions } from '../../ingest/options';

// The CORS layer ingest puts in front of /v1 so the pages push serves (another origin) can call it.

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use('/v1', corsMiddleware(['http://127.0.0.1:8090']));
  app.post('/v1/thing', (_req, res) => {
    res.status(202).setHeader('Retry-After', '1').json({ ok: true });
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const preflight = (origin: string) =>
  fetch(`${base}/v1/thing`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-admin-key' },
  });

test('a preflight from an allowed origin is answered with the methods and headers the pages use', async () => {
  const res = await preflight('http://127.0.0.1:8090');
  expect(res.status).toBe(204);
  expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8090');
  expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  expect(res.headers.get('access-control-allow-methods')).toContain('DELETE'); // the host's kick
  const headers = res.headers.get('access-control-allow-headers') ?? '';
  for (const h of ['authorization', 'content-type', 'x-admin-key']) expect(headers).toContain(h);
  expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  expect(res.headers.get('vary')).toContain('Origin');
});

test('a request from an allowed origin may read the reply and its Retry-After', async () => {
  const res = await fetch(`${base}/v1/thing`, { method: 'POST', headers: { origin: 'http://127.0.0.1:8090' } });
  expect(res.status).toBe(202);
  expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8090');
  expect(res.headers.get('access-control-expose-headers')).toContain('retry-after');
});

test('another origin gets no CORS headers, and its preflight is not answered', async () => {
  const res = await fetch(`${base}/v1/thing`, { method: 'POST', headers: { origin: 'http://evil.example' } });
  expect(res.status).toBe(202); // the server still runs it; the browser just hides the reply
  expect(res.headers.get('access-control-allow-origin')).toBeNull();
  const pre = await preflight('http://evil.example');
  expect(pre.status).not.toBe(204);
  expect(pre.headers.get('access-control-allow-origin')).toBeNull();
});

test('"*" allows any origin, echoed back', async () => {
  const app = express();
  app.use(corsMiddleware(['*']));
  app.get('/x', (_req, res) => {
    res.json({});
  });
  const s = await new Promise<Server>((resolve) => {
    const started = app.listen(0, '127.0.0.1', () => resolve(started));
  });
  try {
    const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/x`, { headers: { origin: 'http://192.168.1.5:8090' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://192.168.1.5:8090');
  } finally {
    await new Promise((resolve) => s.close(resolve));
  }
});

test('INGEST_CORS_ORIGINS defaults to the local push origin and takes a list', () => {
  expect(loadIngestOptions({}).corsOrigins).toEqual(['http://127.0.0.1:8090', 'http://localhost:8090']);
  expect(loadIngestOptions({ INGEST_CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins).toEqual([
    'https://a.example',
    'https://b.example',
  ]);
  expect(loadIngestOptions({ INGEST_CORS_ORIGINS: '' }).corsOrigins).toEqual([]);
});
