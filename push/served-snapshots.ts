import { snapshotJson, type SnapshotWire } from '../common/messages/wire';
import { PerLimit } from './per-limit';
import { parseStoredSnapshot } from './snapshot-wire';

// GET leaderboard is the hottest read there is (every spectator's page and every client polling),
// and the snapshot in Redis changes at most once per throttle window. So the bytes Redis returns
// are compared with the last ones seen for the quiz (a memcmp), and only bytes not seen before are
// parsed and checked. Processors store exactly what push serves (snapshotJson), so the body is
// Redis's own buffer, written as it is; bytes in another form (a processor from before that, with
// fields in another order or a createdAt) are served re-serialized, once per change.

/** A checked snapshot and the bodies GET leaderboard serves for it. */
export class ServedSnapshot {
  /** ?limit=N below the entry count: each distinct N serialized once, on first use. */
  private readonly bodies: PerLimit<Buffer>;

  constructor(
    readonly snapshot: SnapshotWire,
    /** When the processor made it (epoch ms), if the stored JSON says. */
    readonly createdAt: number | undefined,
    /** The whole snapshot as served. */
    readonly body: Buffer,
  ) {
    this.bodies = new PerLimit(snapshot.entries.length, (limit) =>
      limit === undefined ? body : Buffer.from(snapshotJson({ ...snapshot, entries: snapshot.entries.slice(0, limit) })),
    );
  }

  /** The body for ?limit=N (undefined: all entries); players and answers still count everyone. */
  bodyFor(limit: number | undefined): Buffer {
    return this.bodies.get(limit);
  }
}

export function serveStoredSnapshot(raw: Buffer): ServedSnapshot {
  const text = raw.toString('utf8');
  const parsed = parseStoredSnapshot(text);
  const { createdAt, ...snapshot } = parsed;
  const canonical = snapshotJson(snapshot);
  return new ServedSnapshot(snapshot, createdAt, canonical === text ? raw : Buffer.from(canonical));
}

/** The last checked snapshot per quiz, for at most `maxQuizzes` quizzes (the least recently changed go first). */
export class ServedSnapshots {
  private readonly byQuiz = new Map<string, { raw: Buffer; served: ServedSnapshot }>();

  constructor(private readonly maxQuizzes: number) {}

  /** `raw`: the quiz's snapshot bytes in Redis now. Throws SnapshotFormatError for bytes that are not a v1 snapshot. */
  resolve(quizId: string, raw: Buffer): ServedSnapshot {
    const known = this.byQuiz.get(quizId);
    if (known && known.raw.equals(raw)) return known.served;
    const served = serveStoredSnapshot(raw);
    // Deleted first so the re-insert moves the quiz to the end of the Map's (insertion) order.
    this.byQuiz.delete(quizId);
    this.byQuiz.set(quizId, { raw, served });
    if (this.byQuiz.size > this.maxQuizzes) {
      const oldest = this.byQuiz.keys().next().value;
      if (oldest !== undefined) this.byQuiz.delete(oldest);
    }
    return served;
  }

  get size(): number {
    return this.byQuiz.size;
  }
}
