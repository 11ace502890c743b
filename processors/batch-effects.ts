import type { Message } from 'kafkajs';
import { traceHeaders, type Link } from '../common/tracing';
import type { KickRow, OffsetRow, PgBatch, PlayerRow, ReleaseRow, ScoredRow } from './pg-batch';

// What one batch of quiz.events messages must make durable before its offset is committed:
// Kafka outputs (already encoded), Postgres rows, the questions whose close released held points,
// and the quizzes whose ranking moved (with the seq of the last message that moved it).
export class BatchEffects {
  readonly outputs = new Map<string, Message[]>();
  readonly players: PlayerRow[] = [];
  readonly kicks: KickRow[] = [];
  readonly answers: ScoredRow[] = [];
  readonly releases: ReleaseRow[] = [];
  readonly changedQuizzes = new Map<string, number>();
  /** The spans of the messages in this batch, linked from the flush's span (empty when tracing is off). */
  readonly traceLinks: Link[] = [];
  private readonly answerIds = new Set<string>();
  messages = 0;
  lastOffset: string | undefined;

  output(topic: string, key: string, value: Buffer): void {
    const list = this.outputs.get(topic) ?? [];
    // The output carries the trace of the message that caused it on to its consumers (push).
    const headers = traceHeaders();
    list.push(Object.keys(headers).length > 0 ? { key, value, headers } : { key, value });
    this.outputs.set(topic, list);
  }

  player(row: PlayerRow): void {
    this.players.push(row);
  }

  kick(row: KickRow): void {
    this.kicks.push(row);
  }

  /** The same answer twice in one batch (a redelivered message) is written once. */
  answer(row: ScoredRow): void {
    if (this.answerIds.has(row.answerId)) return;
    this.answerIds.add(row.answerId);
    this.answers.push(row);
  }

  release(row: ReleaseRow): void {
    this.releases.push(row);
  }

  changed(quizId: string, seq: number): void {
    this.changedQuizzes.set(quizId, Math.max(seq, this.changedQuizzes.get(quizId) ?? 0));
  }

  /**
   * The outputs as produce requests in order, each at most `maxBytes` of keys, values and headers:
   * a broker refuses a record batch above its message.max.bytes (1 MiB by default), and a chunk of
   * a backlog sends several MiB to one partition.
   */
  outputRequests(maxBytes: number): Array<Array<{ topic: string; messages: Message[] }>> {
    const requests: Array<Array<{ topic: string; messages: Message[] }>> = [];
    let current: Array<{ topic: string; messages: Message[] }> = [];
    let bytes = 0;
    for (const [topic, messages] of this.outputs) {
      let list: Message[] = [];
      current.push({ topic, messages: list });
      for (const m of messages) {
        const size = RECORD_OVERHEAD_BYTES + (m.key?.length ?? 0) + ((m.value as Buffer | null)?.length ?? 0) + headerBytes(m.headers);
        if (bytes + size > maxBytes && bytes > 0) {
          requests.push(current.filter((t) => t.messages.length > 0));
          list = [];
          current = [{ topic, messages: list }];
          bytes = 0;
        }
        list.push(m);
        bytes += size;
      }
    }
    const last = current.filter((t) => t.messages.length > 0);
    if (last.length > 0) requests.push(last);
    return requests;
  }

  toPgBatch(offsets: OffsetRow[]): PgBatch {
    return { players: this.players, kicks: this.kicks, answers: this.answers, releases: this.releases, offsets };
  }
}

/** Kafka's per-record framing (lengths, varints, attributes), rounded up. */
const RECORD_OVERHEAD_BYTES = 32;

function headerBytes(headers: Message['headers']): number {
  if (!headers) return 0;
  let n = 0;
  for (const [k, v] of Object.entries(headers)) n += k.length + (typeof v === 'string' || Buffer.isBuffer(v) ? v.length : 64);
  return n;
}
