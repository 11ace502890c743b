// Ids the pages make up, valid under ingest's id rule (common/ids.ts).

/** Dev-token player ids: 1-64 of A-Z a-z 0-9 _ -. */
export function randomPlayerId(random: (bytes: Uint8Array) => Uint8Array): string {
  const bytes = random(new Uint8Array(8));
  return `p-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** An answer id ingest accepts (the same id makes a retry idempotent). */
export function randomAnswerId(random: (bytes: Uint8Array) => Uint8Array): string {
  const bytes = random(new Uint8Array(12));
  return `a-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
