import type { Pool } from 'pg';
import { guardPostgres } from './dependency-errors';

// Ingest remembers every join it accepts in Postgres, so the join survives a Redis restart before
// the processors have written the row themselves (Redis learns it from join-claims.ts). The insert
// never overwrites: the processors' row for the same PlayerJoined carries the same values.
//
// Joins come in bursts (a room joins when the game starts). One INSERT per join cost a write system
// call and a Postgres round trip each, about 0.5 ms of ingest CPU per join in a profile of 3,000
// joins; rows that arrive while an INSERT is out go together in the next one, so a batch grows with
// the load and an idle server still writes at once.

interface Row {
  quizId: string;
  playerId: string;
  displayName: string;
  joinedAt: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const COLUMNS = 4;

export class JoinRecorder {
  private readonly queue: Row[] = [];
  private writing = false;

  constructor(
    private readonly pg: Pool,
    /** Most rows in one INSERT (Postgres takes at most 65,535 parameters in one statement). */
    private readonly maxRows = 1_000,
  ) {}

  /** Settles once the INSERT that carried this row has (a failed one rejects every row it carried). */
  record(quizId: string, playerId: string, displayName: string, joinedAt: number): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.queue.push({ quizId, playerId, displayName, joinedAt, resolve, reject });
    if (!this.writing) void this.drain();
    return promise;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const rows = this.queue.splice(0, this.maxRows);
        try {
          await guardPostgres('record joins', () => this.pg.query(insertSql(rows.length), rows.flatMap((r) => [r.quizId, r.playerId, r.displayName, r.joinedAt])));
          for (const r of rows) r.resolve();
        } catch (err) {
          for (const r of rows) r.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

function insertSql(rows: number): string {
  const values = Array.from({ length: rows }, (_, i) => {
    const n = i * COLUMNS;
    return `($${n + 1}, $${n + 2}, $${n + 3}, to_timestamp($${n + 4} / 1000.0))`;
  });
  return `INSERT INTO players (quiz_id, player_id, display_name, joined_at) VALUES ${values.join(', ')} ON CONFLICT (quiz_id, player_id) DO NOTHING`;
}
