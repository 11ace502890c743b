import { randomBytes } from 'node:crypto';

/** A fresh id per test so tests never share topics, groups, databases or quizzes. */
export function uniqueId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}
