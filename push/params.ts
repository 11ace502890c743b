import { ValidationError } from '../common/errors';
import { ID_PATTERN, ID_RULE } from '../common/ids';

// Route and query parameters as the router hands them over: express's req.params and req.query,
// or the same values parsed by the lean read path (lean-reads.ts). A query value is a string, an
// array when the parameter is repeated, or undefined when absent.

/** Ids follow the one rule (common/ids.ts); anything else cannot exist, so it is a 400. */
export function idParam(value: unknown, name: 'quizId' | 'playerId'): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new ValidationError(`${name} must be ${ID_RULE}`, { param: name });
  }
  return value;
}

/** Largest ?offset: deeper than any board Redis could hold in one sorted set on one machine. */
export const OFFSET_MAX = 999_999_999;

/** A query parameter that is a whole number from min to max (digits only); undefined when absent. */
function wholeNumberParam(raw: unknown, name: 'limit' | 'offset' | 'around', min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ValidationError(`${name} must be a whole number from ${min} to ${max}`, { param: name });
  }
  return Number(raw);
}

/** ?limit=N, a whole number from 1 to max; absent means every entry of the snapshot (or a default page). */
export function limitParam(raw: unknown, max: number): number | undefined {
  return wholeNumberParam(raw, 'limit', 1, max);
}

/** ?offset=N: a page of the full standings from rank N + 1; absent means the snapshot. */
export function offsetParam(raw: unknown): number | undefined {
  return wholeNumberParam(raw, 'offset', 0, OFFSET_MAX);
}

/** ?around=N on a player's standing: the N ranks above and below too; absent means the player alone. */
export function aroundParam(raw: unknown, max: number): number | undefined {
  return wholeNumberParam(raw, 'around', 1, max);
}
