import { createConnection, createServer, type Server, type Socket } from 'node:net';

// A TCP relay in front of PostgreSQL. The drill points the tiers at it and "stops Postgres" by
// cutting it: every open connection is destroyed and new ones are refused (the listening socket is
// closed, so a connect gets ECONNREFUSED as from a stopped server). Restoring listens again on the
// same port. The shared PostgreSQL server that other people use is never touched.

export class TcpRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Starts listening on 127.0.0.1 (port 0: any free port) and returns the port. */
  async start(port = 0): Promise<number> {
    const server = createServer((client) => this.pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('relay: no TCP address');
    this.port = address.port;
    this.server = server;
    return this.port;
  }

  get listeningPort(): number {
    return this.port;
  }

  /** The outage: drop every connection and refuse new ones until restore(). */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restore(): Promise<void> {
    if (!this.server) await this.start(this.port);
  }

  async stop(): Promise<void> {
    await this.cut();
  }

  private pipe(client: Socket): void {
    const upstream = createConnection(this.targetPort, this.targetHost);
    this.sockets.add(client);
    this.sockets.add(upstream);
    // Either side failing ends both, as a real broken connection would; the error itself is the
    // peer's business (the tier logs its own connection errors).
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
