// The keys a batched Lua call needs once per question rather than once per request: ingest's
// request gate and the processors' batched answers both send them that way. A request names its
// question's set by number (from 1); the sets go in KEYS in that order.

export class QuestionKeySets {
  /** Every set added so far, in order. */
  readonly keys: string[] = [];
  private readonly numbers = new Map<string, number>();

  constructor(private readonly keysOf: (quizId: string, questionId: string) => string[]) {}

  /** The number of the question's set, its keys added the first time it is asked for. */
  numberOf(quizId: string, questionId: string): number {
    // Neither id holds a newline (common/ids.ts), so the pair cannot collide with another.
    const question = `${quizId}\n${questionId}`;
    let n = this.numbers.get(question);
    if (n === undefined) {
      this.keys.push(...this.keysOf(quizId, questionId));
      n = this.numbers.size + 1;
      this.numbers.set(question, n);
    }
    return n;
  }
}
