import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

// The reference for the ingest figures: a bare node:http server on the same port answering the
// same request (read the JSON body, parse it, reply 202 with an answer id) and doing nothing else.
// What ingest loses against it is the cost of auth, validation, Redis checks and the Kafka write.

const port = Number(process.env.BARE_PORT);
const server = createServer((req, res) => {
  if (req.method === 'GET') {
    // Readiness probe for the bench; answers are POSTs.
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let status = 202;
    let body: string;
    try {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { answerId?: string };
      body = JSON.stringify({ answerId: parsed.answerId ?? randomUUID() });
    } catch (err) {
      status = 400;
      body = JSON.stringify({ error: { code: 'malformed', message: (err as Error).message } });
    }
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
// SO_REUSEPORT: with INGEST_PROCESSES above 1 the bench starts as many bare servers on the port.
server.listen({ port, host: '127.0.0.1', reusePort: true });
process.on('SIGTERM', () => server.close(() => process.exit(0)));
