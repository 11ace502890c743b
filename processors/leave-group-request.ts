import { connect, type Socket } from 'node:net';

// Two Kafka requests kafkajs does not let a caller make: FindCoordinator, then LeaveGroup on behalf
// of a member id this process did not join with (its crashed predecessor's; group-succession.ts).
// Plain-text protocol, version 1 of both (what kafkajs 2.2 speaks to the same brokers).

const FIND_COORDINATOR = 10;
const LEAVE_GROUP = 13;
const VERSION = 1;

/** Kafka error codes this exchange names; any other is reported by number. */
const ERRORS: Record<number, string> = {
  0: 'none',
  14: 'coordinator_load_in_progress',
  15: 'coordinator_not_available',
  16: 'not_coordinator',
  25: 'unknown_member_id',
  30: 'group_authorization_failed',
};
const RETRIABLE = new Set([14, 15, 16]);

export interface LeaveGroupResult {
  /** `none`: the member left; `unknown_member_id`: the group no longer had it. */
  outcome: string;
  /** The coordinator that answered, host:port. */
  coordinator: string;
}

/**
 * Removes `memberId` from `groupId` at once, as if that member had left cleanly: the coordinator
 * starts a rebalance now instead of when the member's session times out. Retries a coordinator
 * that is loading or moved until `deadlineMs` passes; rejects on anything else.
 */
export async function leaveGroupAs(brokers: string[], clientId: string, groupId: string, memberId: string, deadlineMs: number): Promise<LeaveGroupResult> {
  const deadline = Date.now() + deadlineMs;
  let lastError = 'no broker answered';
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const broker = brokers[attempt % brokers.length]!;
    try {
      const found = await exchange(broker, FIND_COORDINATOR, clientId, [str(groupId), Buffer.from([0])], deadline);
      // throttle_time_ms, error_code, error_message, node_id, host, port
      const r = new Reader(found);
      r.int32();
      const findError = r.int16();
      r.nullableString();
      r.int32();
      const host = r.string();
      const port = r.int32();
      if (findError !== 0) throw new KafkaCodeError(findError);
      const coordinator = `${host}:${port}`;
      const left = new Reader(await exchange(coordinator, LEAVE_GROUP, clientId, [str(groupId), str(memberId)], deadline));
      left.int32();
      const code = left.int16();
      if (code === 0 || code === 25) return { outcome: ERRORS[code]!, coordinator };
      throw new KafkaCodeError(code);
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      if (err instanceof KafkaCodeError && !RETRIABLE.has(err.code)) throw err;
      await new Promise((r) => setTimeout(r, Math.min(200 * (attempt + 1), Math.max(0, deadline - Date.now()))));
    }
  }
  throw new Error(`LeaveGroup for ${groupId} not done within ${deadlineMs} ms: ${lastError}`);
}

class KafkaCodeError extends Error {
  constructor(readonly code: number) {
    super(`kafka error ${ERRORS[code] ?? code}`);
  }
}

function str(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeInt16BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

/** One request on a connection of its own; resolves with the response body after the correlation id. */
function exchange(address: string, apiKey: number, clientId: string, body: Buffer[], deadline: number): Promise<Buffer> {
  const colon = address.lastIndexOf(':');
  const header = Buffer.alloc(8);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(VERSION, 2);
  header.writeInt32BE(1, 4); // correlation id: one request per connection
  const payload = Buffer.concat([header, str(clientId), ...body]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return new Promise<Buffer>((resolve, reject) => {
    const socket: Socket = connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) });
    const chunks: Buffer[] = [];
    let received = 0;
    const timer = setTimeout(() => finish(new Error(`no answer from ${address} in time`)), Math.max(1, deadline - Date.now()));
    const finish = (err: Error | undefined, value?: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    socket.on('connect', () => socket.write(Buffer.concat([size, payload])));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      const all = Buffer.concat(chunks, received);
      if (all.length >= 4 && all.length >= 4 + all.readInt32BE(0)) finish(undefined, all.subarray(8, 4 + all.readInt32BE(0)));
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error(`${address} closed the connection before answering`)));
  });
}

class Reader {
  private at = 0;
  constructor(private readonly b: Buffer) {}
  int16(): number {
    const v = this.b.readInt16BE(this.at);
    this.at += 2;
    return v;
  }
  int32(): number {
    const v = this.b.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  string(): string {
    const len = this.int16();
    const v = this.b.toString('utf8', this.at, this.at + len);
    this.at += len;
    return v;
  }
  nullableString(): string | undefined {
    const len = this.b.readInt16BE(this.at);
    if (len < 0) {
      this.at += 2;
      return undefined;
    }
    return this.string();
  }
}
