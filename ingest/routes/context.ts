import type { RequestHandler } from 'express';
import type { AllAnsweredCloser } from '../all-answered';
import type { Answers } from '../answers';
import type { DevTokenIssuer } from '../auth';
import type { Joins } from '../joins';
import type { QuizAdmin } from '../quiz-admin';
import type { QuizStore } from '../quiz-store';
import type { QuizResults } from '../results';

/** What the routers need; app.ts builds it once from the injected dependencies. */
export interface RouteContext {
  store: QuizStore;
  admin: QuizAdmin;
  joins: Joins;
  answers: Answers;
  results: QuizResults;
  allAnswered: AllAnsweredCloser;
  /** Only in AUTH_MODE=dev. */
  devTokens: DevTokenIssuer | undefined;
  requireAdmin: RequestHandler;
  requirePlayer: RequestHandler;
  perPlayerLimit: RequestHandler;
}

export const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
