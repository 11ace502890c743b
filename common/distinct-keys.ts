// Keys a batched Lua call sends once however many of its requests name them (one address's limit
// counter, one question's answered hash): each request names a key by its place, from 1.
// QuestionKeySets numbers its questions the same way.

export class DistinctKeys {
  /** Every key added so far, in the order first asked for. */
  readonly keys: string[] = [];
  private readonly places = new Map<string, number>();

  /** The key's place in `keys` (from 1), added the first time it is asked for. */
  placeOf(key: string): number {
    let place = this.places.get(key);
    if (place === undefined) {
      place = this.keys.push(key);
      this.places.set(key, place);
    }
    return place;
  }
}
