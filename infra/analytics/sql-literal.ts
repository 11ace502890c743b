// ClickHouse 18.16 has no query parameters (the HTTP interface rejects `param_*` as an unknown
// setting), so the one value a report takes from its user, the quiz id, is inlined as a string
// literal. Every character that means something inside a ClickHouse string literal is escaped, and
// control characters are written as escapes so the printed SQL stays one readable line per value.

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
};

/** A ClickHouse single-quoted string literal whose value is exactly `value`. */
export function stringLiteral(value: string): string {
  let out = "'";
  for (const ch of value) {
    const escaped = ESCAPES[ch];
    if (escaped !== undefined) out += escaped;
    else if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}
