/**
 * A Map bounded to its `limit` most recently touched entries: touch() makes an entry the newest and
 * drops the oldest past the limit. For what a processor remembers about the quizzes it served.
 */
export class RecentMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  touch(key: K, value: V): void {
    this.delete(key);
    this.set(key, value);
    while (this.size > this.limit) {
      const oldest = this.keys().next().value;
      if (oldest === undefined) break;
      this.delete(oldest);
    }
  }
}
