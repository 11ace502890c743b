// The leaderboard's sorted-set score: one double that orders by total (descending) and, among
// equal totals, by who reached that total first. A double holds integers exactly up to 2^53, so
// the 53 bits are split:
//
//   composite = total × 2^TIME_BITS + (2^TIME_BITS − 1 − reachedOffsetMs)
//
// reachedOffsetMs is the time the player reached the total (the latest acceptedAt of an answer that
// scored points, or the join time while the total is 0), in ms since the quiz's ranking epoch.
// TIME_BITS = 31 gives ~24.8 days of quiz per epoch and totals up to 2^22 − 1 = 4,194,303 points;
// times outside the range are clamped (ties there fall back to the member order), larger totals
// lose tie precision. Members with equal composites (same total, same millisecond) are ordered by
// Redis in reverse lexicographic order of playerId under ZREVRANGE; Postgres queries use
// `ORDER BY total DESC, reached_at ASC, player_id DESC` to match.

export const TIME_BITS = 31;
export const TIME_SPAN = 2 ** TIME_BITS;
export const MAX_EXACT_TOTAL = 2 ** (53 - TIME_BITS) - 1;

/**
 * Quiz creation time minus an hour: join and answer stamps come from ingest's clock, created_at
 * from Postgres's, and a small skew between them must not clamp early offsets to 0.
 */
export const EPOCH_MARGIN_MS = 3_600_000;

export function rankingEpoch(quizCreatedAtMs: number): number {
  return quizCreatedAtMs - EPOCH_MARGIN_MS;
}

export function reachedOffset(epochMs: number, atMs: number): number {
  return Math.min(TIME_SPAN - 1, Math.max(0, Math.floor(atMs - epochMs)));
}

export function composite(total: number, offsetMs: number): number {
  return total * TIME_SPAN + (TIME_SPAN - 1 - offsetMs);
}

export function decodeComposite(score: number): { total: number; offsetMs: number } {
  const total = Math.floor(score / TIME_SPAN);
  return { total, offsetMs: TIME_SPAN - 1 - (score - total * TIME_SPAN) };
}
