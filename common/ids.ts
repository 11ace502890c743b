import { randomUUID } from 'node:crypto';
import { z } from 'zod';

// The id rule every tier applies: quiz, question, choice, player and answer ids become Redis keys,
// Kafka keys and path segments, so they are restricted to URL- and key-safe characters.

// "__proto__" is refused: avsc decodes an Avro map into a plain object by assignment, where that
// key sets the prototype instead of adding an entry, so a choice so named vanished from the reveal
// counts (and any id can end up a map key or a field of a hash read into an object).
export const ID_PATTERN = /^(?!__proto__$)[A-Za-z0-9_-]{1,64}$/;

export const ID_RULE = '1-64 characters of A-Z a-z 0-9 _ -, not __proto__';

export const idSchema = z.string().regex(ID_PATTERN, `must be ${ID_RULE}`);

/** The caller's X-Request-Id when it follows the id rule (it ends up in logs), else a fresh one. */
export function requestIdFrom(given: string | string[] | undefined): string {
  return typeof given === 'string' && ID_PATTERN.test(given) ? given : randomUUID();
}
