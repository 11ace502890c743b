import { DistinctKeys } from './distinct-keys';

// The keys a batched Lua call needs once per question rather than once per request: ingest's
// request gate and the processors' batched answers both send them that way. A request names its
// question's set by number (from 1); the sets go in KEYS in that order.

export class QuestionKeySets {
  /** Every set added so far, in order. */
  readonly keys: string[] = [];
  /** The questions, numbered as their sets are. */
  private readonly questions = new DistinctKeys();

  constructor(private readonly keysOf: (quizId: string, questionId: string) => string[]) {}

  /** The number of the question's set, its keys added the first time it is asked for. */
  numberOf(quizId: string, questionId: string): number {
    // Neither id holds a newline (common/ids.ts), so the pair cannot collide with another.
    const known = this.questions.keys.length;
    const n = this.questions.placeOf(`${quizId}\n${questionId}`);
    if (n > known) this.keys.push(...this.keysOf(quizId, questionId));
    return n;
  }
}
