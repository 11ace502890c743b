import type { Request } from 'express';
import { ValidationError } from '../common/errors';
import { ID_PATTERN, ID_RULE } from '../common/ids';

/** Ids follow the one rule (common/ids.ts); anything else cannot exist, so it is a 400. */
export function idParam(req: Request, name: 'quizId' | 'playerId'): string {
  const value = req.params[name];
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new ValidationError(`${name} must be ${ID_RULE}`, { param: name });
  }
  return value;
}

/** ?limit=N, a whole number from 1 to max; absent means every entry of the snapshot. */
export function limitParam(req: Request, max: number): number | undefined {
  const raw = req.query.limit;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new ValidationError(`limit must be a whole number from 1 to ${max}`, { param: 'limit' });
  }
  return Number(raw);
}
