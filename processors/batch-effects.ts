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

  toPgBatch(offsets: OffsetRow[]): PgBatch {
    return { players: this.players, kicks: this.kicks, answers: this.answers, releases: this.releases, offsets };
  }
}
