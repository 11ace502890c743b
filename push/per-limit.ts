/**
 * What a snapshot becomes for each `?limit` a client asked for, made once per distinct limit and
 * only on first use. A limit at or past the entry count is the whole snapshot (key undefined), so
 * it shares the whole snapshot's value. GET bodies (served-snapshots.ts) and stream frames
 * (snapshot-edition.ts) each keep one per snapshot.
 */
export class PerLimit<T> {
  private readonly made = new Map<number | undefined, T>();

  constructor(
    private readonly entries: number,
    private readonly make: (limit: number | undefined) => T,
  ) {}

  /** undefined: every entry. */
  get(limit: number | undefined): T {
    const key = limit === undefined || limit >= this.entries ? undefined : limit;
    let value = this.made.get(key);
    if (value === undefined) {
      value = this.make(key);
      this.made.set(key, value);
    }
    return value;
  }

  get size(): number {
    return this.made.size;
  }
}
