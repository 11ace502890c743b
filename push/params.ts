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

/** Largest ?offset: deeper than any board Redis could hold in one sorted set on one machine. */
export const OFFSET_MAX = 999_999_999;

/** A query parameter that is a whole number from min to max (digits only); undefined when absent. */
function wholeNumberParam(req: Request, name: 'limit' | 'offset' | 'around', min: number, max: number): number | undefined {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ValidationError(`${name} must be a whole number from ${min} to ${max}`, { param: name });
  }
  return Number(raw);
}

/** ?limit=N, a whole number from 1 to max; absent means every entry of the snapshot (or a default page). */
export function limitParam(req: Request, max: number): number | undefined {
  return wholeNumberParam(req, 'limit', 1, max);
}

/** ?offset=N: a page of the full standings from rank N + 1; absent means the snapshot. */
export function offsetParam(req: Request): number | undefined {
  return wholeNumberParam(req, 'offset', 0, OFFSET_MAX);
}

/** ?around=N on a player's standing: the N ranks above and below too; absent means the player alone. */
export function aroundParam(req: Request, max: number): number | undefined {
  return wholeNumberParam(req, 'around', 1, max);
}
