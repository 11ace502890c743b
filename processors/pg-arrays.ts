// The columns of a chunk's scored answers (pg-batch.ts) as Postgres array literals, each built in
// one pass. node-pg builds the same literals from JS arrays, but it quotes every element and runs
// two regular expressions over it, numbers and booleans included: for the 15 columns of a
// 5,000-answer chunk that was about 6% of a processor's CPU in the scoring bench.

/** `{"a","b\"c",NULL}`: every element quoted, so commas, braces, spaces, "" and "NULL" stay text. */
export function textArray(values: ReadonlyArray<string | null>): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else out += `"${v.includes('"') || v.includes('\\') ? v.replace(/["\\]/g, '\\$&') : v}"`;
  }
  return `${out}}`;
}

/** `{1,-2,1796358189861}`: integers (ints and bigints; a bigint may come as its decimal string). */
export function integerArray(values: ReadonlyArray<number | string>): string {
  return `{${values.join(',')}}`;
}

/** `{t,f}` */
export function booleanArray(values: readonly boolean[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) out += (i > 0 ? ',' : '') + (values[i] ? 't' : 'f');
  return `${out}}`;
}
