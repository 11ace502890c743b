// What a player types (or a QR code carries) to reach a game: a six-digit game PIN or a quiz id.
// No DOM here, so unit tests run these in Node.

export type JoinCode = { pin: string } | { quizId: string };

const PIN = /^[0-9]{6}$/;
const QUIZ_ID = /^(?!__proto__$)[A-Za-z0-9_-]{1,64}$/;

/** Spaces are what people put in a PIN they read off a screen ("482 913"); anything else is an id. */
export function parseJoinCode(raw: string): JoinCode | undefined {
  const compact = raw.trim().replace(/\s+/g, '');
  if (PIN.test(compact)) return { pin: compact };
  const id = raw.trim();
  return QUIZ_ID.test(id) ? { quizId: id } : undefined;
}

/** "482 913": easier to read off a projector and to type. */
export function formatPin(pin: string): string {
  return PIN.test(pin) ? `${pin.slice(0, 3)} ${pin.slice(3)}` : pin;
}

/** The play page for this game, beside the page at `pageUrl`: by PIN when the quiz has one. */
export function playUrl(pageUrl: string, quizId: string, pin: string | null | undefined): string {
  const url = new URL('play.html', pageUrl);
  url.search = '';
  url.hash = '';
  if (pin) url.searchParams.set('pin', pin);
  else url.searchParams.set('quiz', quizId);
  return url.href;
}
