import { createHash } from 'node:crypto';
import { DISPLAY_NAME_MAX, ProfanityCheck } from '../../ingest/display-names';

// Generated display names (ids, counters) now and then read as profanity to ingest's check, which
// resolves leetspeak: "Player 455" is "ass", a random hex id may hold "b00b". Tests, the bench and
// the drill name their players through here, so no run fails on a 422 name_rejected by chance.
// No Jest in here: the bench and the drill are plain processes.

const check = new ProfanityCheck();
// Letters no leetspeak reads, no vowels: what is spelt with them is not a word.
const PLAIN = 'BDGHJMNPQRVWXYZ';

/**
 * `base` cut to the length limit (its end kept: generated ids end in their random part), or, if the
 * check flags it, a name derived from it that passes.
 */
export function acceptedName(base: string): string {
  const cut = [...base].slice(-DISPLAY_NAME_MAX).join('');
  if (!check.isProfane(cut)) return cut;
  for (let attempt = 0; attempt < 100; attempt++) {
    const digest = createHash('sha256').update(`${base}\0${attempt}`).digest();
    const candidate = `Player ${Array.from(digest.subarray(0, 10), (b) => PLAIN[b % PLAIN.length]).join('')}`;
    if (!check.isProfane(candidate)) return candidate;
  }
  throw new Error(`no accepted display name near "${base}"`);
}
