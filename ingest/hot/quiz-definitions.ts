import type { QuestionDef, QuizStore } from '../quiz-store';

// What never changes once a quiz is created (its questions, their choices, closeWhenAllAnswered),
// kept in this process so the answer route does not fetch and parse the whole definition from
// Redis on every answer (22 KB for 100 questions). What can change (the quiz's status, a question's
// open state) is still read from Redis on every request, by the request gate (request-gate.ts).

export interface QuizDefinition {
  questions: Map<string, QuestionDef>;
  closeWhenAllAnswered: boolean;
}

export class QuizDefinitions {
  private readonly known = new Map<string, QuizDefinition>();
  private readonly loading = new Map<string, Promise<QuizDefinition | null>>();

  constructor(
    private readonly store: QuizStore,
    /** Most quizzes remembered; the oldest is forgotten first. */
    private readonly maxQuizzes: number,
  ) {}

  /** Null when the quiz does not exist (not remembered: it may be created any moment). */
  get(quizId: string): QuizDefinition | Promise<QuizDefinition | null> {
    const known = this.known.get(quizId);
    if (known !== undefined) return known;
    let loading = this.loading.get(quizId);
    if (loading === undefined) {
      loading = this.load(quizId).finally(() => this.loading.delete(quizId));
      this.loading.set(quizId, loading);
    }
    return loading;
  }

  private async load(quizId: string): Promise<QuizDefinition | null> {
    const meta = await this.store.getQuiz(quizId);
    if (!meta) return null;
    const definition = { questions: new Map(meta.questions.map((q) => [q.id, q])), closeWhenAllAnswered: meta.closeWhenAllAnswered === true };
    if (this.known.size >= this.maxQuizzes) this.known.delete(this.known.keys().next().value!);
    this.known.set(quizId, definition);
    return definition;
  }
}
