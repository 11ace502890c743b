import { createServer, type Server } from 'node:net';

// Ports for the processes a test or the bench starts. They are taken below the kernel's
// ephemeral range (32768-60999 on these machines): a port found with listen(0) lies inside it, and
// between its release and the child's bind it can become the local end of one of the many
// outgoing connections (Kafka, the registry, ClickHouse), which fails the child with EADDRINUSE;
// a neighbour (push process i serves metrics on base + i) was never even probed. Below the range
// only a listener can hold a port, and every port of a block is probed before it is handed out.
// 24000-29999 also stays clear of the stacks' own ports (the defaults below 10000, the drill's
// 16379-19093, the rehearsal and dev bases' 20xxx and 30xxx).
const RANGE_START = 24_000;
const RANGE_END = 30_000; // exclusive
const ATTEMPTS = 50;

function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function closeAll(servers: Server[]): Promise<void> {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
}

/** The first of `count` consecutive ports on 127.0.0.1 that were all free when probed. */
export async function freePorts(count: number): Promise<number> {
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new RangeError(`freePorts: count must be 1..100, got ${count}`);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const base = RANGE_START + Math.floor(Math.random() * (RANGE_END - RANGE_START - count));
    const held: Server[] = [];
    for (let i = 0; i < count; i++) {
      const server = await listenOn(base + i);
      if (!server) break;
      held.push(server);
    }
    await closeAll(held);
    if (held.length === count) return base;
  }
  throw new Error(`freePorts: no ${count} consecutive free ports in ${RANGE_START}-${RANGE_END - 1} after ${ATTEMPTS} tries`);
}

/** One port on 127.0.0.1 that was free when probed. */
export function freePort(): Promise<number> {
  return freePorts(1);
}
