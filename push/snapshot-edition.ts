import type { SnapshotWire } from '../common/messages/wire';
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
  private readonly frames = new Map<number, SnapshotFrame>();

  constructor(
    readonly snapshot: SnapshotWire,
    /** When the processor made it (epoch ms), if known. */
    readonly createdAt?: number,
    /** The whole snapshot's snapshotJson when already at hand (Redis's bytes), so it is not made again. */
    private readonly json?: string,
  ) {}

  get seq(): number {
    return this.snapshot.seq;
  }

  /** The frame for viewers of `limit` entries (ALL_ENTRIES for every entry). */
  frame(limit: number): SnapshotFrame {
    // A limit at or past the entries there are is the whole snapshot: same bytes, built once.
    const key = limit === ALL_ENTRIES || limit >= this.snapshot.entries.length ? ALL_ENTRIES : limit;
    let frame = this.frames.get(key);
    if (!frame) {
      frame =
        key === ALL_ENTRIES
          ? snapshotFrame(this.snapshot, this.createdAt, this.json)
          : snapshotFrame({ ...this.snapshot, entries: this.snapshot.entries.slice(0, key) }, this.createdAt);
      this.frames.set(key, frame);
    }
    return frame;
  }

  /** How many serializations this edition needed so far (for tests and the bench). */
  get serializations(): number {
    return this.frames.size;
  }
}
