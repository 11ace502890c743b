import { RegExpMatcher, englishDataset, englishRecommendedTransformers } from 'obscenity';

// Display names as the design wants them (design.md, "Players"): NFC, no format characters,
// trimmed, 1-24 characters of which at least one is visible, unique within a quiz once normalized,
// and not profane. A name is shown on a big screen to a room, so what matters is how it looks:
// invisible characters must make neither a blank name nor a second "Alice".

export const DISPLAY_NAME_MAX = 24;

// Controls and lone surrogates are refused outright: newlines and escapes corrupt logs and displays.
const UNSAFE = /[\p{Cc}\p{Cs}]/u;

// Characters that show nothing: format characters (zero-width space, joiners, bidi controls, soft
// hyphen...), the other default-ignorable ones (Hangul fillers...) and the blank Braille pattern.
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/u;
// Kept although default-ignorable: variation selectors pick an emoji's presentation.
const VARIATION_SELECTOR = /[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/u;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const EMOJI_MODIFIER = /\uFE0F|\p{Emoji_Modifier}/u;
const ZERO_WIDTH_JOINER = '\u200D';

const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/** A zero-width joiner between two pictographs (family and profession emoji) changes how they look. */
function joinsPictographs(chars: string[], i: number): boolean {
  let before = i - 1;
  while (before >= 0 && EMOJI_MODIFIER.test(chars[before]!)) before -= 1;
  return before >= 0 && PICTOGRAPH.test(chars[before]!) && PICTOGRAPH.test(chars[i + 1] ?? '');
}

export type NameProblem = 'unsafe' | 'empty' | 'too_long' | 'invisible';

/** The name as it is stored and shown, or what is wrong with it. */
export function normalizeDisplayName(raw: string): { name: string } | { problem: NameProblem } {
  const nfc = raw.normalize('NFC');
  if (UNSAFE.test(nfc)) return { problem: 'unsafe' };
  const chars = [...nfc];
  const shown = chars
    .filter((c, i) => !INVISIBLE.test(c) || VARIATION_SELECTOR.test(c) || (c === ZERO_WIDTH_JOINER && joinsPictographs(chars, i)))
    .join('')
    .replace(/\s+/gu, ' ') // a run of any spaces (no-break, ideographic...) looks like one
    .trim();
  if (shown.length === 0) return { problem: 'empty' };
  if ([...shown].length > DISPLAY_NAME_MAX) return { problem: 'too_long' };
  if (!VISIBLE.test(shown)) return { problem: 'invisible' };
  return { name: shown };
}

export const NAME_PROBLEMS: Record<NameProblem, string> = {
  unsafe: 'must not contain control characters',
  empty: 'must not be empty (invisible characters do not count)',
  too_long: `must be at most ${DISPLAY_NAME_MAX} characters`,
  invisible: 'needs at least one visible character',
};

/**
 * What two names are compared by, within a quiz: a normalized name in compatibility form
 * (full-width letters are letters) and lower case, so "ALICE" and "Ａｌｉｃｅ" are "alice".
 */
export function nameKey(normalizedName: string): string {
  return normalizedName.normalize('NFKC').toLowerCase();
}

/**
 * Up to `count` free-looking variants of a taken name ("Alice 2", "Alice 3", ...), each within the
 * length limit; the caller picks the first that is not taken.
 */
export function nameSuggestions(name: string, count = 8): string[] {
  return Array.from({ length: count }, (_, i) => {
    const suffix = ` ${i + 2}`;
    const base = [...name].slice(0, DISPLAY_NAME_MAX - suffix.length).join('').trimEnd();
    return `${base}${suffix}`;
  });
}

/**
 * Profanity, from the `obscenity` package's English list with its recommended transformers, which
 * also catch the usual disguises (leetspeak, repeated or spaced-out letters, look-alike
 * characters) and leave words that merely contain one alone ("Scunthorpe").
 */
export class ProfanityCheck {
  private readonly matcher = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });

  isProfane(name: string): boolean {
    return this.matcher.hasMatch(name);
  }
}
