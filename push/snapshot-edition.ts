import type { SnapshotWire } from '../common/messages/wire';
import { PerLimit } from './per-limit';
import { snapshotFrame } from './snapshot-wire';
import type { SnapshotFrame } from './viewer';

/** A stream's `?limit`: how many entries it gets; ALL_ENTRIES when it did not ask. */
export const ALL_ENTRIES = 0;

/**
 * One snapshot as the streams get it: serialized at most once per distinct entry limit that a
 * viewer asked for, and only when one did, so a thousand top-10 screens and a thousand full
 * boards cost two serializations per snapshot, whatever the audience.
 */
export class SnapshotEdition {
  private readonly frames: PerLimit<SnapshotFrame>;

  constructor(
    readonly snapshot: SnapshotWire,
    /** When the processor made it (epoch ms), if known. */
    readonly createdAt?: number,
    /** The whole snapshot's snapshotJson when already at hand (Redis's bytes), so it is not made again. */
    json?: string,
  ) {
    this.frames = new PerLimit(snapshot.entries.length, (limit) =>
      limit === undefined
        ? snapshotFrame(snapshot, createdAt, json)
        : snapshotFrame({ ...snapshot, entries: snapshot.entries.slice(0, limit) }, createdAt),
    );
  }

  get seq(): number {
    return this.snapshot.seq;
  }

  /** The frame for viewers of `limit` entries (ALL_ENTRIES for every entry). */
  frame(limit: number): SnapshotFrame {
    return this.frames.get(limit === ALL_ENTRIES ? undefined : limit);
  }

  /** How many serializations this edition needed so far (for tests and the bench). */
  get serializations(): number {
    return this.frames.size;
  }
}
